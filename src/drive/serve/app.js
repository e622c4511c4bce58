'use strict';
// survsim serve's page script. It turns the controls into `--set`
// overrides, sends them, and places what the server rendered. It computes
// no figure. Text from the user or the server's messages goes in with
// textContent; only the server's rendered report (escaped there) goes in
// as HTML.
(() => {
  const $ = (id) => document.getElementById(id);
  const DATA = JSON.parse($('data').textContent);
  const PAGE = 'p' + Math.random().toString(36).slice(2, 12);
  const levers = Array.from(document.querySelectorAll('[data-lever]'));
  let inflight = null, sweeping = null, baseline = null, timer = null;

  // A number as TOML reads it (no trailing float noise).
  const num = (x) => String(Number(x.toPrecision(12)));

  // The overrides of the controls, in a fixed order.
  function sets() {
    const out = [];
    for (const el of levers) {
      const v = el.value.trim(), key = el.dataset.lever;
      if (v === '' || v === el.dataset.initial) continue;
      if (key === 'footfall') {
        const f = Number(v);
        for (const s of DATA.sites) {
          const at = `sites[${s.index}]`;
          if (!Number.isFinite(f)) out.push(`${at}.footfall_per_hour=${v}`);
          else if (s.hourly) out.push(`${at}.footfall_per_hour=[${s.hourly.map((h) => num(h * f)).join(', ')}]`);
          else if (s.footfall !== null) out.push(`${at}.footfall_per_hour=${num(s.footfall * f)}`);
          else if (s.faces !== null) out.push(`${at}.faces=${num(s.faces * f)}`);
        }
      } else if (key === 'capture') {
        for (const s of DATA.sites) out.push(`sites[${s.index}].capture_share=${v}`);
      } else out.push(`${key}=${v}`);
    }
    for (const l of $('extra').value.split('\n')) if (l.trim()) out.push(l.trim());
    return out;
  }

  // The API's parameters of the current controls.
  function params() {
    const p = new URLSearchParams();
    for (const s of sets()) p.append('set', s);
    p.set('reps', $('reps').value.trim() || '20');
    if ($('seed').value.trim()) p.set('seed', $('seed').value.trim());
    return p;
  }

  // The page's own URL: the levers by key, other keys as `set`, so that a
  // link reproduces the view.
  function saveUrl() {
    const p = new URLSearchParams();
    for (const el of levers) {
      const v = el.value.trim();
      if (v === '' || v === el.dataset.initial) continue;
      if (el.dataset.lever === 'footfall' || el.dataset.lever === 'capture') p.set(el.dataset.lever, v);
      else p.append('set', `${el.dataset.lever}=${v}`);
    }
    for (const l of $('extra').value.split('\n')) if (l.trim()) p.append('set', l.trim());
    p.set('reps', $('reps').value.trim());
    if ($('seed').value.trim()) p.set('seed', $('seed').value.trim());
    if (baseline) p.set('base', baseline);
    history.replaceState(null, '', '?' + p.toString());
  }

  function loadUrl() {
    const p = new URLSearchParams(location.search), extra = [];
    for (const s of p.getAll('set')) {
      const eq = s.indexOf('='), key = eq < 0 ? s : s.slice(0, eq).trim();
      const el = levers.find((l) => l.dataset.lever === key);
      if (el && eq >= 0) el.value = s.slice(eq + 1); else extra.push(s);
    }
    $('extra').value = extra.join('\n');
    for (const k of ['footfall', 'capture']) if (p.has(k)) levers.find((l) => l.dataset.lever === k).value = p.get(k);
    if (p.has('reps')) $('reps').value = p.get('reps');
    if (p.has('seed')) $('seed').value = p.get('seed');
    if (p.has('base')) pin(p.get('base'), 'from the link');
  }

  const status = (text) => { $('status').textContent = text; };

  function clearErrors() {
    for (const o of document.querySelectorAll('output.err')) o.textContent = '';
    for (const i of document.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  }

  // Which control an error belongs beside: the key it names.
  function controlOf(e) {
    const key = e.key || '', src = e.source || '';
    if (src === '--reps' || src === '--max-faces') return 'reps';
    if (src === '--seed') return 'seed';
    for (const el of levers) {
      const k = el.dataset.lever;
      if (k === 'footfall' && /^sites.*\.(footfall_per_hour|faces)/.test(key)) return el.id;
      if (k === 'capture' && /^sites.*\.capture_share/.test(key)) return el.id;
      if (key === k || src.startsWith(`--set ${k}=`)) return el.id;
    }
    return 'extra';
  }

  function showError(e) {
    clearErrors();
    const id = controlOf(e);
    $('err-' + id).textContent = e.error || 'the request failed';
    $(id).setAttribute('aria-invalid', 'true');
    status('Not run: see the message beside the control. The last result stays below.');
    document.body.dataset.state = 'error';
  }

  function show(m) {
    clearErrors();
    $('result').innerHTML = m.body;
    $('compare').innerHTML = m.compare || '';
    $('command').textContent = m.command;
    $('dl-html').href = 'api/report.html?' + m.query;
    $('dl-json').href = 'api/run.json?' + m.query;
    $('progress').value = $('progress').max;
    status(`Updated in ${m.elapsed_s.toFixed(2)} s.`);
    document.body.dataset.query = m.query;
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    document.body.dataset.state = 'ready';
  }

  // Reads an NDJSON answer line by line (blank lines are heartbeats).
  async function lines(res, each) {
    const reader = res.body.getReader(), dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (l) each(JSON.parse(l));
      }
    }
  }

  function onProgress(m, bar, say) {
    if (m.type === 'queued') say('Waiting for a free core…');
    if (m.type === 'progress') { bar.max = m.of; bar.value = m.done; say(`Replication ${m.done} of ${m.of}…`); }
  }

  // Sends the controls; a newer call aborts the older (and the server
  // cancels its run).
  async function update() {
    clearTimeout(timer);
    saveUrl();
    if (inflight) inflight.abort();
    const ctl = inflight = new AbortController();
    const body = params();
    body.set('page', PAGE);
    if (baseline) body.set('base', baseline);
    document.body.dataset.state = 'running';
    status('Running…');
    try {
      const res = await fetch('api/run', { method: 'POST', body, signal: ctl.signal });
      if (!res.ok) {
        const e = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
        if (ctl === inflight) showError(e);
        return;
      }
      await lines(res, (m) => {
        if (ctl !== inflight) return;
        onProgress(m, $('progress'), status);
        if (m.type === 'result') show(m);
        if (m.type === 'error') showError(m.error);
      });
    } catch (err) {
      if (err.name !== 'AbortError') status('The server did not answer: ' + err.message);
    }
  }

  function later() { clearTimeout(timer); timer = setTimeout(update, 400); }

  // Levers read as a pair: a longer watchlist holds no more wanted people,
  // so raising its size alone adds false alerts and not true ones. Said
  // beside the list's size whenever it moves without the wanted people.
  function coupling() {
    const size = $('lv-watchlist'), wanted = $('lv-wanted');
    if (!size || !wanted) return;
    const alone = size.value.trim() !== size.dataset.initial && wanted.value.trim() === wanted.dataset.initial;
    $('note-lv-watchlist').textContent = alone
      ? `The list's size moved, the wanted people present did not (still ${wanted.value.trim()}): true alerts will not grow with the list.`
      : '';
  }

  // A threshold beyond those the matcher was measured at rests on a curve
  // the records do not reach: said in words beside the lever (the page
  // carries the span and the words), from the first step past it.
  function beyond() {
    const t = $('lv-threshold');
    if (!t || !t.dataset.caveat) return;
    const v = parseFloat(t.value), lo = parseFloat(t.dataset.measuredLo), hi = parseFloat(t.dataset.measuredHi);
    const out = Number.isFinite(v) && (v < lo - 1e-9 || v > hi + 1e-9);
    $('note-lv-threshold').textContent = out ? `At ${v}, ${t.dataset.caveat}.` : '';
  }

  // On a phone the controls are a bar at the foot of the screen, closed
  // so that the result shows; on a wider screen they are always open.
  const narrow = window.matchMedia('(max-width: 900px)');
  const fit = () => { $('controls-box').open = !narrow.matches; };
  narrow.addEventListener('change', fit);
  fit();

  function pin(query, what) {
    baseline = query;
    $('pinned').textContent = `Baseline pinned (${what}): ${decodeURIComponent(query.replace(/\+/g, ' '))}`;
    $('unpin').hidden = false;
    saveUrl();
  }

  $('pin').addEventListener('click', () => {
    if (document.body.dataset.query !== undefined) pin(document.body.dataset.query, 'change a lever to compare');
  });
  $('unpin').addEventListener('click', () => {
    baseline = null;
    $('pinned').textContent = '';
    $('unpin').hidden = true;
    $('compare').textContent = '';
    saveUrl();
  });

  async function sweep() {
    if (sweeping) sweeping.abort();
    const ctl = sweeping = new AbortController();
    const body = params();
    body.set('vary', $('sweep-key').value.trim());
    body.set('metric', $('sweep-metric').value);
    body.set('page', PAGE + '-sweep');
    const say = (t) => { $('sweep-status').textContent = t; };
    $('err-sweep').textContent = '';
    say('Sweeping…');
    try {
      const res = await fetch('api/sweep', { method: 'POST', body, signal: ctl.signal });
      if (!res.ok) {
        const e = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
        $('err-sweep').textContent = e.error;
        say('');
        return;
      }
      await lines(res, (m) => {
        onProgress(m, $('progress'), say);
        if (m.type === 'result') { $('sweep-chart').innerHTML = m.svg; say(''); }
        if (m.type === 'error') { $('err-sweep').textContent = m.error.error; say(''); }
      });
    } catch (err) {
      if (err.name !== 'AbortError') say('The server did not answer: ' + err.message);
    }
  }
  $('sweep-run').addEventListener('click', sweep);

  for (const el of [...levers, $('extra'), $('reps'), $('seed')]) {
    el.addEventListener('input', later);
    el.addEventListener('change', update);
    el.addEventListener('input', coupling);
    el.addEventListener('change', coupling);
    el.addEventListener('input', beyond);
    el.addEventListener('change', beyond);
  }
  $('controls').addEventListener('submit', (e) => { e.preventDefault(); update(); });
  loadUrl();
  coupling();
  beyond();
  update();
})();
