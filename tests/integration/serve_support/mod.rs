//! Helpers for `survsim serve`'s tests: a server on a free port, stopped
//! when dropped, and a minimal HTTP/1.0 client (HTTP/1.0, so that
//! responses are never chunked: the body is what comes until the server
//! closes the connection) that addresses the server as a browser would,
//! `Host: 127.0.0.1:PORT`, from 127.0.0.1 or another loopback address (the
//! server tells clients apart by address).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::os::fd::FromRawFd;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `survsim serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub address: SocketAddr,
}

impl Server {
    /// Starts `survsim serve ARGS --listen 127.0.0.1:0` and waits for the
    /// line that gives its address.
    pub fn start(args: &[&str]) -> Server {
        Server::start_with(args, &[]).0
    }

    /// Starts `survsim serve ARGS` with the environment variables `env`
    /// (and `--listen 127.0.0.1:0` unless ARGS has a `--listen`); gives the
    /// server, addressed at 127.0.0.1 and its port, and the lines of
    /// standard error after the first as they come.
    pub fn start_with(
        args: &[&str],
        env: &[(&str, &str)],
    ) -> (Server, std::sync::mpsc::Receiver<String>) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_survsim"));
        cmd.arg("serve").args(args).envs(env.iter().copied());
        if !args.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("survsim serve starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("a first line");
        let bound: SocketAddr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.trim().trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, bound.port()));
        // Keep draining stderr so the server never blocks on it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in stderr.lines() {
                let Ok(l) = l else { break };
                let _ = tx.send(l);
            }
        });
        (Server { child, address }, rx)
    }

    /// The number of file descriptors the server holds, from /proc.
    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .expect("/proc/PID/fd")
            .count()
    }

    /// The server's resident memory, from /proc, in kB.
    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .expect("VmRSS")
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// `Host`'s value for this server, as a browser sends it.
    pub fn host(&self) -> String {
        self.address.to_string()
    }

    /// A connection to the server, with a generous timeout.
    pub fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.address).expect("connects");
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        s
    }

    /// A connection from the loopback address `from` (127.0.0.2, …): to
    /// the server, another client.
    pub fn connect_from(&self, from: Ipv4Addr) -> TcpStream {
        let sockaddr = |a: SocketAddrV4| libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: a.port().to_be(),
            sin_addr: libc::in_addr {
                s_addr: u32::from(*a.ip()).to_be(),
            },
            sin_zero: [0; 8],
        };
        let SocketAddr::V4(to) = self.address else {
            panic!("an IPv4 server")
        };
        let (local, remote) = (sockaddr(SocketAddrV4::new(from, 0)), sockaddr(to));
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        // SAFETY: a fresh socket, bound and connected with valid addresses,
        // then owned by the TcpStream.
        let s = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket");
            let s = TcpStream::from_raw_fd(fd);
            let at =
                |a: &libc::sockaddr_in| (a as *const libc::sockaddr_in).cast::<libc::sockaddr>();
            assert_eq!(libc::bind(fd, at(&local), len), 0, "bind {from}");
            assert_eq!(libc::connect(fd, at(&remote), len), 0, "connect");
            s
        };
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        s
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Response {
        self.raw(self.get_request(path, "").as_bytes())
    }

    /// `GET path`'s request, with more header lines (each ending `\r\n`).
    pub fn get_request(&self, path: &str, headers: &str) -> String {
        format!(
            "GET {path} HTTP/1.0\r\nHost: {}\r\n{headers}\r\n",
            self.host()
        )
    }

    /// `POST path` with a form body.
    pub fn post(&self, path: &str, body: &str) -> Response {
        self.raw(self.post_request(path, "", body).as_bytes())
    }

    /// `POST path`'s request with a form body, with more header lines
    /// (each ending `\r\n`).
    pub fn post_request(&self, path: &str, headers: &str, body: &str) -> String {
        format!(
            "POST {path} HTTP/1.0\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            self.host(),
            body.len()
        )
    }

    /// Sends raw bytes and reads the whole answer.
    pub fn raw(&self, request: &[u8]) -> Response {
        exchange(self.connect(), request)
    }
}

/// Sends raw bytes on `s` and reads the whole answer.
pub fn exchange(mut s: TcpStream, request: &[u8]) -> Response {
    s.write_all(request).expect("sends");
    let mut bytes = Vec::new();
    let _ = s.read_to_end(&mut bytes);
    Response::parse(&bytes)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response: status and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Response {
    /// Parses a whole HTTP/1.0 answer (status 0: none came).
    pub fn parse(bytes: &[u8]) -> Response {
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n");
        let Some(at) = split else {
            return Response {
                status: 0,
                head: String::from_utf8_lossy(bytes).into(),
                body: Vec::new(),
            };
        };
        let head = String::from_utf8_lossy(&bytes[..at]).to_string();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Response {
            status,
            head,
            body: bytes[at + 4..].to_vec(),
        }
    }

    /// A header's value (the first), by its name in any case.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// An NDJSON body's lines (heartbeats left out).
    pub fn lines(&self) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// A query parameter, percent-encoded.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
