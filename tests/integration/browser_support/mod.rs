//! Headless Chromium driven over the DevTools protocol on
//! `--remote-debugging-pipe` (file descriptors 3 and 4, NUL-separated
//! JSON: no WebSocket, no extra crate, offline), and a check of a page's
//! layout as a reader sees it: on a phone, on a printed A4 page, on a
//! wide screen.
#![allow(dead_code)]

use crate::common::CHROMIUM_FLAGS;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A headless Chromium and its DevTools pipe, attached to one tab.
pub struct Browser {
    child: Child,
    to: std::io::PipeWriter,
    from: BufReader<std::io::PipeReader>,
    next_id: u64,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn launch(chromium: &PathBuf, extra: &[&str]) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        // Chromium reads commands on fd 3 and writes answers on fd 4.
        let (cmd_r, cmd_w) = std::io::pipe().unwrap();
        let (out_r, out_w) = std::io::pipe().unwrap();
        let (r3, w4) = (cmd_r.as_raw_fd(), out_w.as_raw_fd());
        let mut cmd = Command::new(chromium);
        cmd.args(CHROMIUM_FLAGS)
            .args(["--remote-debugging-pipe", "--window-size=1280,1800"])
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe dup2 calls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // Moved above 4 first, so that neither lands on the other's
                // place, and dup2 leaves the copies open across exec.
                let (a, b) = (
                    libc::fcntl(r3, libc::F_DUPFD, 10),
                    libc::fcntl(w4, libc::F_DUPFD, 10),
                );
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("Chromium starts");
        drop((cmd_r, out_w));
        Browser {
            child,
            to: cmd_w,
            from: BufReader::new(out_r),
            next_id: 0,
            session: None,
            _profile: profile,
        }
    }

    /// Sends a command and waits for its answer (events are skipped).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        loop {
            let mut buf = Vec::new();
            let n = self.from.read_until(0, &mut buf).unwrap();
            assert!(n > 0, "Chromium closed the pipe");
            buf.pop();
            let v: Value = serde_json::from_slice(&buf).unwrap();
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// Evaluates `js` in the page (awaiting a promise) and returns its value.
    pub fn eval(&mut self, js: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": js, "awaitPromise": true, "returnByValue": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    /// Opens a tab and attaches to it.
    pub fn open_tab(&mut self) {
        let target = self.call("Target.createTarget", json!({ "url": "about:blank" }));
        let attached = self.call(
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        self.session = Some(attached["sessionId"].as_str().unwrap().to_string());
        self.call("Runtime.enable", json!({}));
        self.call("Page.enable", json!({}));
    }

    /// Waits, generously, until `js` is true.
    pub fn wait_for(&mut self, js: &str) {
        let start = Instant::now();
        while self.eval(js) != json!(true) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {js}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a page is looked at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum View {
    /// A phone in portrait: 390 CSS px wide, as a mobile browser lays out
    /// (the page's viewport meta applies).
    Phone,
    /// Printed on A4: print media, in the width the page's `@page` margins
    /// leave (210 mm − 2 × 14 mm = 182 mm, 688 CSS px).
    A4Print,
    /// A wide desktop window, 1400 px.
    Desktop,
}

impl View {
    /// Every view.
    pub const ALL: [View; 3] = [View::Phone, View::A4Print, View::Desktop];

    /// The viewport's width in CSS px.
    pub fn width(self) -> u32 {
        match self {
            View::Phone => 390,
            View::A4Print => 688,
            View::Desktop => 1400,
        }
    }
}

/// Counts what a reader would miss: tables wider than their box (values
/// off-screen or behind a scrollbar), a page that scrolls sideways, and
/// chart text drawn below 9 px — its font size times the scale the SVG is
/// drawn at (`getScreenCTM`), for every visible `<text>`. Every
/// `<details>` is opened first, so the tables inside are measured too.
pub const LAYOUT_PROBLEMS: &str = r#"(() => {
  const problems = [];
  for (const d of document.querySelectorAll('details')) d.open = true;
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const name = (el) => {
    const s = el.closest('section, main, figure, div[id]');
    return (s && s.id ? '#' + s.id : el.tagName) + ' ' + (el.querySelector('th, td') || el).textContent.trim().slice(0, 30);
  };
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1)
    problems.push(`the page scrolls sideways: ${page.scrollWidth} px in ${page.clientWidth}`);
  for (const t of document.querySelectorAll('table')) {
    if (!shown(t)) continue;
    const box = t.parentElement;
    const r = t.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (box.scrollWidth > box.clientWidth + 1 || r.right > b.right + 1 || r.right > page.clientWidth + 1)
      problems.push(`table ${name(t)}: ${Math.round(r.width)} px in a ${Math.round(b.width)} px box`);
  }
  let texts = 0;
  for (const svg of document.querySelectorAll('svg')) {
    if (!shown(svg)) continue;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const m = t.getScreenCTM();
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      texts += 1;
      if (px < 9) problems.push(`chart text ${JSON.stringify(t.textContent.slice(0, 40))} at ${px.toFixed(1)} px`);
    }
  }
  return { problems, texts };
})()"#;

impl Browser {
    /// Lays the tab out as `view` shows it.
    pub fn view(&mut self, view: View) {
        let mobile = view == View::Phone;
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": view.width(), "height": 900, "deviceScaleFactor": 1, "mobile": mobile }),
        );
        let media = if view == View::A4Print {
            "print"
        } else {
            "screen"
        };
        self.call("Emulation.setEmulatedMedia", json!({ "media": media }));
    }

    /// Opens `url` and waits until it has loaded.
    pub fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for("document.readyState === 'complete' && document.body !== null");
    }

    /// [`LAYOUT_PROBLEMS`] of the page as `view` shows it, and how many
    /// chart texts were measured.
    pub fn layout_problems(&mut self, view: View) -> (Vec<String>, u64) {
        self.view(view);
        let found = self.eval(LAYOUT_PROBLEMS);
        let problems = found["problems"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|p| format!("{view:?}: {}", p.as_str().unwrap()))
            .collect();
        (problems, found["texts"].as_u64().unwrap())
    }
}
