/** The playground's stylesheet, served as /playground/app.css. */
export const styles = `
:root {
  color-scheme: dark;
  --bg: #0e1014; --card: #171a21; --line: #262b35; --text: #e8eaf0; --muted: #8b93a4;
  --accent: #7aa2ff; --student: #36c5a8; --teacher: #f5a524; --error: #ff6b6b;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: radial-gradient(1200px 600px at 10% -10%, #1b2030 0%, var(--bg) 60%); color: var(--text); min-height: 100vh; }
[hidden] { display: none !important; }
h1 { font-size: 1.35rem; margin: 0; letter-spacing: .01em; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
code { background: #0b0d11; padding: .05rem .3rem; border-radius: 4px; }
.top { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: 1.1rem 1.5rem; border-bottom: 1px solid var(--line); }
.brand { display: flex; gap: .75rem; align-items: center; }
.logo { font-size: 1.9rem; color: var(--accent); }
.tagline { margin: 0; color: var(--muted); font-size: .9rem; }
.account { display: flex; gap: .75rem; align-items: center; color: var(--muted); font-size: .9rem; }
.badge { background: #22304d; color: var(--accent); border-radius: 999px; padding: .1rem .65rem; font-weight: 600; text-transform: capitalize; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 14px; padding: 1.1rem 1.2rem; }
.key-panel { max-width: 36rem; margin: 3rem auto; }
.layout { display: grid; grid-template-columns: minmax(18rem, 24rem) 1fr; grid-template-areas: "controls result" "history history"; gap: 1.2rem; padding: 1.2rem 1.5rem; max-width: 78rem; margin: 0 auto; }
.controls { grid-area: controls; display: flex; flex-direction: column; gap: .55rem; }
.result { grid-area: result; }
.history { grid-area: history; }
label { color: var(--muted); font-size: .85rem; }
label.inline { display: flex; gap: .35rem; align-items: center; white-space: nowrap; }
input, select, textarea, button { font: inherit; color: var(--text); }
input[type=number], input[type=password], select, textarea { width: 100%; background: #0b0d11; border: 1px solid var(--line); border-radius: 8px; padding: .5rem .6rem; }
textarea { resize: vertical; }
input:focus, select:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
.row { display: flex; gap: .5rem; align-items: center; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; }
.grid.seed-quality { grid-template-columns: 1.5fr 1fr; }
button { white-space: nowrap; cursor: pointer; border-radius: 8px; border: 1px solid var(--line); background: #202532; padding: .5rem .8rem; }
button.primary { background: var(--accent); color: #0b1020; border: 0; font-weight: 650; }
button.primary:disabled { opacity: .55; cursor: progress; }
button.wide { width: 100%; padding: .7rem; margin-top: .3rem; }
button.icon { padding: .4rem .5rem; display: grid; place-items: center; color: var(--muted); }
button.icon:hover { color: var(--text); }
button.link { background: none; border: 0; color: var(--accent); padding: 0; }
input[type=range] { flex: 1; accent-color: var(--accent); }
fieldset.advanced { border: 1px dashed var(--line); border-radius: 10px; padding: .5rem .8rem .8rem; display: flex; flex-direction: column; gap: .5rem; }
legend { color: var(--muted); font-size: .8rem; padding: 0 .3rem; }
.hint { margin: 0; color: var(--muted); font-size: .82rem; }
.error { color: var(--error); margin: 0; min-height: 1.2em; font-size: .9rem; }
.muted { color: var(--muted); }
.frames { display: flex; align-items: center; gap: 1rem; justify-content: center; flex-wrap: wrap; }
figure { margin: 0; text-align: center; }
figcaption { margin-top: .4rem; font-size: .9rem; }
.frame { width: 256px; height: 256px; border-radius: 12px; background: repeating-conic-gradient(#1d212b 0 25%, #191c25 0 50%) 0 0 / 24px 24px; display: grid; place-items: center; overflow: hidden; border: 2px solid var(--line); transition: border-color .3s; }
.frame img { width: 100%; height: 100%; image-rendering: pixelated; object-fit: contain; }
.placeholder { color: var(--muted); font-size: .85rem; }
.arrow { font-size: 1.6rem; color: var(--muted); }
.result[data-state=working] #final-frame, .result[data-state=preview] #final-frame { border-color: var(--teacher); animation: pulse 1.2s ease-in-out infinite; }
.result[data-state=working] #preview-frame { border-color: var(--student); animation: pulse 1.2s ease-in-out infinite; }
.result[data-route=student] #final-frame { border-color: var(--student); }
.result[data-route=refined] #final-frame, .result[data-route=regenerated] #final-frame, .result[data-route=teacher] #final-frame { border-color: var(--teacher); }
@keyframes pulse { 50% { opacity: .6; } }
.verdict { margin: 1rem auto 0; max-width: 34rem; }
.verdict p { margin: .4rem 0 0; text-align: center; }
/* Left of τ the teacher steps in, right of it the student's image is kept; --tau is set by the script. */
.gauge { --tau: 0%; position: relative; height: 10px; border-radius: 999px; background: linear-gradient(90deg, #5a3a12 0 var(--tau), #1d4d44 var(--tau) 100%); }
.gauge .tau { position: absolute; top: -5px; width: 2px; height: 20px; background: var(--text); }
.gauge .score { position: absolute; top: -3px; width: 16px; height: 16px; margin-left: -8px; border-radius: 50%; background: var(--accent); box-shadow: 0 0 0 3px var(--card); }
.facts { display: grid; grid-template-columns: repeat(3, 1fr); gap: .6rem 1rem; margin: 1.1rem 0 0; }
.facts div { background: #12151b; border: 1px solid var(--line); border-radius: 10px; padding: .45rem .7rem; }
.facts dt { color: var(--muted); font-size: .78rem; }
.facts dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.route { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .85rem; }
.route.student { background: #12352f; color: var(--student); }
.route.refined, .route.regenerated, .route.teacher { background: #3d2c0d; color: var(--teacher); }
.timings { margin: 1rem auto 0; border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: .88rem; }
.timings caption { color: var(--muted); font-size: .8rem; margin-bottom: .3rem; }
.timings td { padding: .15rem .8rem; border-bottom: 1px solid var(--line); }
.timings td:last-child { text-align: right; }
.history-head { display: flex; justify-content: space-between; align-items: baseline; }
#history { list-style: none; margin: .4rem 0 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); gap: .8rem; }
#history li button { width: 100%; padding: .4rem; text-align: left; display: flex; flex-direction: column; gap: .3rem; background: #12151b; }
#history img { width: 100%; aspect-ratio: 1; image-rendering: pixelated; border-radius: 6px; }
#history .caption { font-size: .78rem; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
@media (max-width: 52rem) {
  .top { flex-wrap: wrap; padding: .9rem 1rem; }
  .tagline { display: none; }
  .layout { grid-template-columns: 1fr; grid-template-areas: "controls" "result" "history"; padding: 1rem; }
  .facts { grid-template-columns: 1fr 1fr; }
  .frame { width: 160px; height: 160px; }
  .arrow { display: none; }
}
`;
