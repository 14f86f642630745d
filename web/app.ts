// The browser visualizer (DESIGN §5): controls, the step/run loop and the redraw. It is bundled by
// scripts/build.mjs into dist/web/app.js as a classic script with the Wasm bytes embedded, so
// dist/web/index.html works opened straight from disk, no server needed.
import { RcuError } from '../src/index.js';
import { WaitingChart } from './chart.js';
import { SCENARIOS, Session, type Setup } from './session.js';
import { renderEvents, renderLanes, renderSummary } from './view.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let session: Session;
let chart: WaitingChart | null = null;
let timer: number | null = null;

function setupFromControls(): Setup {
  return {
    scenario: $<HTMLSelectElement>('scenario').value,
    monitorArm: $<HTMLSelectElement>('monitorArm').value as Setup['monitorArm'],
    nolockGate: $<HTMLSelectElement>('nolockGate').value as Setup['nolockGate'],
    nmis: $<HTMLInputElement>('nmis').checked,
    seed: Number($<HTMLInputElement>('seed').value) >>> 0,
    impl: $<HTMLSelectElement>('impl').value as Setup['impl'],
  };
}

function notice(text: string): void {
  $('notice').textContent = text;
}

function draw(): void {
  const s = session.snapshot(14, $<HTMLInputElement>('quietEvents').checked);
  $('lanes').innerHTML = renderLanes(s);
  $('summary').innerHTML = renderSummary(s);
  $('events').innerHTML = renderEvents(s);
  if (!s.failure) {
    const llist = s.cpus.reduce((a, c) => a + (c.krc?.llistCount ?? 0), 0);
    chart?.push(s.jiffies, s.queued, llist, s.totals.gpEnd);
  } else {
    stop();
  }
  document.body.dataset.state = s.failure ? 'failed' : s.programsRunning === 0 ? 'done' : 'running';
}

/** Runs an action on the session; API misuse (e.g. an NMI on an idle CPU) is shown, not thrown. */
function act(f: () => void): void {
  notice('');
  try {
    f();
  } catch (e) {
    if (!(e instanceof RcuError)) throw e;
    notice(e.message);
  }
  draw();
}

function reset(): void {
  stop();
  session = new Session(setupFromControls());
  chart?.destroy();
  $('chart').innerHTML = '';
  chart = new WaitingChart($('chart'));
  const cpus = $<HTMLSelectElement>('nmiCpu');
  cpus.innerHTML = Array.from({ length: session.nrCpus }, (_, i) => `<option value="${i}">cpu ${i}</option>`).join('');
  notice('');
  draw();
}

function stop(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
  $('run').textContent = 'Run';
}

function toggleRun(): void {
  if (timer !== null) return stop();
  $('run').textContent = 'Pause';
  timer = window.setInterval(() => act(() => session.step(Number($<HTMLSelectElement>('speed').value))), 100);
}

function init(): void {
  $('scenario').innerHTML = Object.entries(SCENARIOS).map(([k, v]) => `<option value="${k}">${v.label}</option>`).join('');
  for (const id of ['scenario', 'monitorArm', 'nolockGate', 'nmis', 'seed', 'impl']) $(id).addEventListener('change', reset);
  $('reset').addEventListener('click', reset);
  $('step').addEventListener('click', () => act(() => session.step(1)));
  $('run').addEventListener('click', toggleRun);
  $('nmiNow').addEventListener('click', () => act(() => session.nmiNow(Number($<HTMLSelectElement>('nmiCpu').value))));
  $('nmiLocked').addEventListener('click', () => act(() => session.nmiInLockedRegion(false)));
  $('nmiPlain').addEventListener('click', () => act(() => session.nmiInLockedRegion(true)));
  $('quietEvents').addEventListener('change', draw);
  reset();
}

init();
