// styles.ts: the widget's stylesheet, adopted by its shadow root (so no CSS leaks in or out, and a
// host CSP without 'unsafe-inline' styles still applies it). Hosts theme it with the
// --porchlight-* custom properties, which inherit through the shadow boundary.

export const CSS = `
:host{all:initial;display:block;
--a:var(--porchlight-accent,#a34a06);--at:var(--porchlight-accent-text,#fff);
--bg:var(--porchlight-bg,#fff);--sf:var(--porchlight-surface,#f5f6f8);--tx:var(--porchlight-text,#1d2330);
--mu:var(--porchlight-muted,#545d6e);--bd:var(--porchlight-border,#d5dae3);--r:var(--porchlight-radius,12px);
--ok:var(--porchlight-success,#166c2e);--bad:var(--porchlight-danger,#b42318);
--fs:var(--porchlight-font-size,14px);--off:var(--porchlight-offset,16px)}
:host([data-mode=inline]){height:100%}
.w{all:initial;display:block;font:var(--fs)/1.45 var(--porchlight-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif);color:var(--tx)}
.inline{height:100%}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.alert{display:flex;gap:8px;align-items:flex-start;margin:6px 12px 0;padding:6px 10px;border:1px solid var(--bad);border-radius:8px;color:var(--bad);background:var(--bg);font-size:.9em;overflow-wrap:anywhere}
.alert .dismiss{margin-left:auto;flex:none;border:0;background:none;color:inherit;text-decoration:underline;min-height:24px;padding:0 2px}
.sr-only{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
button,textarea,input{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:3px solid var(--a);outline-offset:2px}
.launcher{position:fixed;right:var(--off);bottom:var(--off);z-index:var(--porchlight-z,2147483000);display:flex;align-items:center;gap:8px;
 border:0;border-radius:999px;padding:12px 18px;background:var(--a);color:var(--at);font-weight:600;box-shadow:0 6px 20px rgba(0,0,0,.22)}
.launcher svg{width:20px;height:20px}
.panel{display:flex;flex-direction:column;background:var(--bg);color:var(--tx);overflow:hidden}
.floating .panel{position:fixed;right:var(--off);bottom:calc(var(--off) + 60px);z-index:var(--porchlight-z,2147483000);
 width:min(var(--porchlight-width,400px),calc(100vw - 2 * var(--off)));height:min(var(--porchlight-height,640px),calc(100vh - 90px));
 border:1px solid var(--bd);border-radius:var(--r);box-shadow:0 12px 40px rgba(0,0,0,.25)}
.inline .panel{height:100%;border:1px solid var(--bd);border-radius:var(--r)}
@media (max-width:480px){.floating .panel{inset:0;width:100vw;height:100%;max-height:none;border-radius:0;border:0}
 .floating.open .launcher{display:none}}
header{display:flex;align-items:center;gap:8px;padding:10px 12px;border-bottom:1px solid var(--bd);background:var(--sf)}
.title{flex:1;min-width:0}
h2{margin:0;font-size:1.05em;line-height:1.3}
.sub{margin:0;color:var(--mu);font-size:.85em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.icon{border:1px solid transparent;background:none;border-radius:8px;padding:6px 8px;line-height:1;min-width:36px;min-height:36px}
.icon:hover{background:rgba(0,0,0,.06)}
.live{border:1px solid var(--bd);border-radius:999px;padding:4px 10px;background:var(--bg);font-size:.85em;min-height:32px}
.live[aria-pressed=true]{background:var(--ok);border-color:var(--ok);color:#fff}
.live .dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:currentColor;margin-right:6px;vertical-align:middle;opacity:.7}
.body{flex:1;min-height:0;display:flex;flex-direction:column}
.guidance{flex:none;max-height:45%;overflow-y:auto;overscroll-behavior:contain;padding:8px 12px;border-bottom:1px solid var(--bd);background:var(--sf);position:relative;z-index:1;box-shadow:0 2px 6px rgba(0,0,0,.08)}
.chat{flex:1;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:10px 12px;display:flex;flex-direction:column;gap:12px}
.guidance-head{display:flex;align-items:center;justify-content:space-between;gap:8px}
.guidance-toggle{border:0;background:none;padding:2px 0;font-weight:600;color:var(--tx);display:flex;gap:6px;align-items:center}
.guidance-toggle::before{content:"▾";display:inline-block;transition:transform .15s}
.guidance-toggle[aria-expanded=false]::before{transform:rotate(-90deg)}
.cards{display:flex;flex-direction:column;gap:8px;margin-top:4px}
.card{border:1px solid var(--bd);border-radius:calc(var(--r) - 4px);padding:8px 10px;background:var(--bg)}
.card-head{display:flex;justify-content:space-between;align-items:baseline;gap:8px}
.card-title{margin:0;font-size:.92em}
.card-source{font-size:.75em;color:var(--mu);white-space:nowrap}
.card-text{margin:4px 0 0}
.card-next_best_action{border-left:4px solid var(--a)}
.card-compliance_alert{border:2px solid var(--bad);border-left-width:6px;background:#fff5f5}
.card-compliance_alert .card-title{color:var(--bad)}
.flag{font-size:.7em;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:#fff;background:var(--bad);border-radius:4px;padding:1px 6px;margin-left:auto}
.card-coaching_tip{border-left:4px solid #8a4b00}
.card-action{margin:4px 0 0;font-weight:600}
.card-say,.card-why,.card-mistakes,.card-edge,.card-source{margin:4px 0 0;font-size:.88em}
blockquote.card-say{border-left:3px solid var(--bd);padding-left:8px}
.card-source{color:var(--mu)}
.checklist .problem .mark{border-color:var(--bad);color:var(--bad);font-weight:700}
.checklist .say{display:block;flex-basis:100%;margin-left:24px;color:var(--mu);font-style:italic}
.checklist li{flex-wrap:wrap}
.score-why summary{cursor:pointer;font-size:.8em;color:var(--mu);margin-top:4px}
.reasons,.notes{margin:4px 0 0;padding-left:1.2em;font-size:.82em}
.deadlines .overdue .when,.deadlines .overdue .days{color:var(--bad);font-weight:700}
.deadlines .done .item-label{text-decoration:line-through;color:var(--mu)}
.deadlines .task .item-label{color:var(--mu)}
.facts{list-style:none;margin:4px 0 0;padding:0;display:flex;flex-direction:column;gap:6px}
.facts li{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center;font-size:.88em}
.facts .evidence{flex-basis:100%;color:var(--mu);font-size:.9em}
.facts button{border:1px solid var(--bd);background:var(--bg);border-radius:999px;padding:2px 10px;min-height:28px;font-size:.85em}
.facts .accept{border-color:var(--ok);color:var(--ok);font-weight:600}
.card-note{margin:4px 0;color:var(--mu);font-size:.8em}
.meter{height:6px;background:var(--sf);border-radius:3px;overflow:hidden;margin-top:6px}
.meter-bar{display:block;height:100%;background:var(--ok);transition:width .3s}
.checklist,.deadlines{list-style:none;margin:4px 0 0;padding:0;display:flex;flex-direction:column;gap:3px}
.checklist li{display:flex;gap:6px;align-items:flex-start;font-size:.88em}
.checklist .mark{flex:none;width:18px;height:18px;border-radius:50%;border:2px solid var(--bd);display:inline-flex;align-items:center;justify-content:center;font-size:11px;line-height:1;margin-top:1px}
.checklist .done .mark{background:var(--ok);border-color:var(--ok);color:#fff}
.checklist .next .mark{border-color:var(--a)}
.checklist .next .item-label{font-weight:600}
.checklist .ticked .mark{animation:tick .5s ease-out}
@keyframes tick{0%{transform:scale(.4)}60%{transform:scale(1.25)}100%{transform:scale(1)}}
.known{color:var(--mu);font-size:.9em;margin-left:2px}
.deadlines li{display:grid;grid-template-columns:auto 1fr;gap:0 8px;font-size:.88em}
.deadlines .when{font-variant-numeric:tabular-nums;font-weight:600}
.deadlines .days{grid-column:2;color:var(--mu)}
.deadlines .soon .days{color:var(--bad);font-weight:600}
.log{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:10px}
.msg{max-width:100%}
.msg .who{font-size:.78em;color:var(--mu);margin-bottom:2px;display:flex;gap:6px;flex-wrap:wrap}
.msg.user .bubble{background:var(--a);color:var(--at);border-radius:var(--r) var(--r) 4px var(--r);padding:8px 11px;margin-left:auto;width:fit-content;max-width:92%;white-space:pre-wrap;overflow-wrap:anywhere}
.msg.user .who{justify-content:flex-end}
.msg.user.earlier .bubble{background:var(--sf);color:var(--tx);border:1px dashed var(--bd)}
.msg.assistant .bubble{background:var(--sf);border-radius:var(--r) var(--r) var(--r) 4px;padding:8px 11px;overflow-wrap:anywhere}
.msg.streaming .bubble::after{content:"▍";animation:blink 1s steps(2) infinite;color:var(--mu)}
@keyframes blink{50%{opacity:0}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}
.md p,.md ul,.md ol,.md blockquote,.md pre{margin:.5em 0}
.md ul,.md ol{padding-left:1.3em}
.md h3,.md h4,.md h5,.md h6{margin:.7em 0 .3em;font-size:1em}
.md blockquote{border-left:3px solid var(--bd);padding-left:8px;color:var(--mu)}
.md code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;background:rgba(0,0,0,.06);padding:0 3px;border-radius:4px}
.md pre{overflow-x:auto;background:rgba(0,0,0,.06);padding:8px;border-radius:6px}
.md pre code{background:none;padding:0}
.md a{color:inherit;text-decoration:underline}
.md hr{border:0;border-top:1px solid var(--bd)}
.md .table{overflow-x:auto}.md table{border-collapse:collapse}.md th,.md td{border:1px solid var(--bd);padding:2px 6px;text-align:left}
.notice,.steps{font-size:.8em;color:var(--mu);margin:0 0 4px}.steps{padding-left:1.4em}.steps [data-status=failed],.steps [data-status=skipped]{color:var(--bad)}
.error{font-size:.85em;color:var(--bad);margin:4px 0 0}
.meta{font-size:.75em;color:var(--mu);margin-top:3px}
.fb{display:flex;gap:6px;margin-top:4px;align-items:center;flex-wrap:wrap}
.fb button{border:1px solid var(--bd);background:var(--bg);border-radius:999px;padding:3px 10px;font-size:.8em;min-height:28px;display:inline-flex;align-items:center;gap:5px}
.fb svg{width:14px;height:14px}
.fb button[aria-pressed=true]{background:var(--tx);color:var(--bg);border-color:var(--tx)}
.fb .thanks{font-size:.78em;color:var(--mu)}
.empty{color:var(--mu);font-size:.9em;margin:0}
form{border-top:1px solid var(--bd);padding:8px 12px 10px;background:var(--bg);display:flex;flex-direction:column;gap:6px}
.badge{display:flex;flex-wrap:wrap;align-items:center;gap:4px 6px;font-size:.78em;min-height:22px;color:var(--mu)}
.badge .chip{border:1px dashed var(--bd);border-radius:999px;padding:1px 8px;color:var(--tx);background:var(--bg)}
.badge[data-state=confirmed] .chip{border-style:solid;border-color:var(--ok);color:var(--ok)}
.badge[data-state=corrected] .chip{border-style:solid;border-color:#8a4b00;color:#8a4b00;background:#fff4e5}
.badge .state{font-weight:600}
.row{display:flex;gap:8px;align-items:flex-end}
textarea{flex:1;min-width:0;resize:none;border:1px solid var(--bd);border-radius:10px;padding:8px 10px;background:var(--bg);min-height:42px;max-height:140px}
textarea:disabled{opacity:.6}
.send{border:0;border-radius:10px;background:var(--a);color:var(--at);font-weight:600;padding:0 14px;min-height:42px}
.send:disabled{opacity:.55;cursor:not-allowed}
.hint{font-size:.72em;color:var(--mu);margin:0}
.attach{border:1px solid var(--bd);border-radius:10px;background:var(--bg);color:var(--tx);min-height:42px;min-width:42px;display:inline-flex;align-items:center;justify-content:center}
.attach svg{width:20px;height:20px}
.photos{display:flex;gap:6px;flex-wrap:wrap}
.thumb{position:relative;margin:0;width:64px;height:48px;border-radius:6px;overflow:hidden;border:1px solid var(--bd)}
.thumb img{width:100%;height:100%;object-fit:cover;display:block}
.thumb .remove{position:absolute;top:2px;right:2px;border:0;border-radius:50%;width:24px;height:24px;background:rgba(0,0,0,.65);color:#fff;font-size:12px;line-height:1}
`;
