/** Where one layer is in a pull or push, normalised from the engine's free-text status. */
export type LayerPhase =
  | 'waiting'
  | 'downloading'
  | 'verifying'
  | 'downloaded'
  | 'extracting'
  | 'complete'
  | 'exists'
  | 'preparing'
  | 'pushing'
  | 'pushed'
  | 'other';

export type ImageProgressEvent =
  | {
      kind: 'layer';
      /** Short layer id as the engine prints it (12 hex digits). */
      layerId: string;
      phase: LayerPhase;
      /** The engine's wording, e.g. `Downloading`, `Pull complete`. */
      status: string;
      current?: number;
      total?: number;
    }
  | { kind: 'message'; message: string };

export type ProgressListener = (event: ImageProgressEvent) => void;

/** What the engine streams for pulls and pushes, one JSON object per line. */
export interface EngineProgressMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Digest?: string; Tag?: string; Size?: number; ID?: string };
}

const PHASES: Record<string, LayerPhase> = {
  'pulling fs layer': 'waiting',
  waiting: 'waiting',
  downloading: 'downloading',
  'verifying checksum': 'verifying',
  'download complete': 'downloaded',
  extracting: 'extracting',
  'pull complete': 'complete',
  'already exists': 'exists',
  'layer already exists': 'exists',
  mounted: 'exists',
  preparing: 'preparing',
  pushing: 'pushing',
  pushed: 'pushed',
};

/** Maps an engine message to an event; undefined for lines that carry nothing to show. */
export function toProgressEvent(message: EngineProgressMessage): ImageProgressEvent | undefined {
  const status = message.status?.trim();
  if (!status) return undefined;
  // "Pulling from x" carries the tag as its id; only hex ids name layers.
  if (message.id && /^[0-9a-f]{12,64}$/.test(message.id)) {
    const event: ImageProgressEvent = {
      kind: 'layer',
      layerId: message.id,
      phase: PHASES[status.toLowerCase()] ?? (status.startsWith('Mounted from') ? 'exists' : 'other'),
      status,
    };
    const { current, total } = message.progressDetail ?? {};
    if (typeof current === 'number') event.current = current;
    if (typeof total === 'number' && total > 0) event.total = total;
    return event;
  }
  return { kind: 'message', message: message.id ? `${message.id}: ${status}` : status };
}

/** Something the CLI hands to a pull: receives events, and is told when the pull is over. */
export interface ProgressRenderer {
  readonly onProgress: ProgressListener;
  /** Flushes what is still pending (the final state of every layer). */
  finish(): void;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Log lines for non-TTY output (systemd, CI, JSON logs): one line per layer per phase change, never one per
 * chunk, so a 1 GB pull writes a handful of lines per layer.
 */
export function logProgress(write: (line: string) => void): ProgressRenderer {
  const phases = new Map<string, LayerPhase>();
  return {
    onProgress(event) {
      if (event.kind === 'message') {
        write(event.message);
        return;
      }
      if (phases.get(event.layerId) === event.phase) return;
      phases.set(event.layerId, event.phase);
      write(`${event.layerId}: ${event.status}${event.total ? ` (${formatBytes(event.total)})` : ''}`);
    },
    finish() {},
  };
}

/** The subset of a tty WriteStream the renderer needs (so tests can pass a fake). */
export interface TerminalOutput {
  write(text: string): unknown;
  columns?: number;
}

const REDRAW_INTERVAL_MS = 100;

/**
 * `docker pull`-style output: one line per layer with a bar, redrawn in place with ANSI cursor moves. Redraws are
 * throttled, since the engine sends hundreds of progress lines per second on a fast link.
 */
export function ttyProgress(out: TerminalOutput): ProgressRenderer {
  const layers = new Map<string, ImageProgressEvent & { kind: 'layer' }>();
  let drawn = 0;
  let lastDraw = 0;
  let pending = false;

  const line = (event: ImageProgressEvent & { kind: 'layer' }): string => {
    let text = `${event.layerId}: ${event.status}`;
    if (
      event.total &&
      event.current !== undefined &&
      (event.phase === 'downloading' || event.phase === 'extracting' || event.phase === 'pushing')
    ) {
      const width = 30;
      const filled = Math.min(width, Math.round((event.current / event.total) * width));
      const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}`;
      text += ` [${bar}] ${formatBytes(event.current)}/${formatBytes(event.total)}`;
    }
    const columns = out.columns ?? 120;
    return text.length >= columns ? text.slice(0, columns - 1) : text;
  };

  const draw = (): void => {
    pending = false;
    lastDraw = Date.now();
    let text = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const event of layers.values()) text += `\x1b[2K${line(event)}\n`;
    drawn = layers.size;
    out.write(text);
  };

  return {
    onProgress(event) {
      if (event.kind === 'message') {
        // Messages scroll above the layer block: clear it, print, redraw it below.
        out.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[0J` : ''}${event.message}\n`);
        drawn = 0;
        draw();
        return;
      }
      const known = layers.get(event.layerId);
      layers.set(event.layerId, event);
      // A new layer or a phase change shows at once; byte counts only at the redraw rate.
      if (!known || known.phase !== event.phase || Date.now() - lastDraw >= REDRAW_INTERVAL_MS) draw();
      else pending = true;
    },
    finish() {
      if (pending) draw();
    },
  };
}
