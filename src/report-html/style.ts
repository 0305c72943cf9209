/** The report's CSS, inlined: the file opens anywhere, offline, with nothing to fetch. */
export const STYLE = `
:root { --ok:#2e7d32; --changed:#e6a100; --failed:#c62828; --skipped:#8a8f98; --bg:#fafafa; --line:#ddd; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px; background: var(--bg); color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); }
.meta { color: #555; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; }
td:first-child, th:first-child { text-align: left; }
.n-failed { color: var(--failed); font-weight: bold; } .n-changed { color: #a06e00; font-weight: bold; }
.filters { position: sticky; top: 0; background: var(--bg); padding: 8px 0; border-bottom: 1px solid var(--line); z-index: 1; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; }
.s-ok { background: var(--ok); } .s-changed { background: var(--changed); } .s-failed { background: var(--failed); } .s-skipped { background: var(--skipped); }
.card { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--failed); padding: 8px 12px; margin: 8px 0; }
.card.changed { border-left-color: var(--changed); }
.where { color: #666; font-family: monospace; font-size: 12px; }
pre { background: #f3f3f3; padding: 8px; overflow: auto; max-height: 400px; margin: 6px 0; font-size: 12px; }
.add { color: #1b5e20; background: #e8f5e9; display: block; } .del { color: #b71c1c; background: #ffebee; display: block; }
.host { margin: 12px 0; }
.row { display: grid; grid-template-columns: 300px 1fr 70px; align-items: center; gap: 8px; height: 22px; }
.label { overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.track { position: relative; height: 14px; background: #eee; border-radius: 2px; }
.bar { position: absolute; top: 0; height: 14px; min-width: 3px; border-radius: 2px; }
.dur { text-align: right; font-variant-numeric: tabular-nums; color: #555; }
.slow .dur, .slow .label { font-weight: bold; color: #000; } .slow .bar { outline: 2px solid #000; }
[hidden] { display: none !important; }
`;
