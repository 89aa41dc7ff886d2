"""The page's one stylesheet: readable from a 320 px phone to a wide screen, dark when asked, printable."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root{color-scheme:light dark;--fg:#1d1f21;--muted:#5f6368;--bg:#fff;--panel:#f5f6f7;--line:#dadce0;
--link:#0b57d0;--error:#c5221f;--warning:#b06000;--info:#1a73e8;--code:#eef0f2}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#9aa0a6;--bg:#17191c;--panel:#22252a;
--line:#3c4043;--link:#8ab4f8;--error:#f28b82;--warning:#fdd663;--info:#8ab4f8;--code:#2d3136}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:1rem;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.8rem 0 .6rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}
a{color:var(--link)}
time{white-space:nowrap}
p{margin:.4rem 0}
.muted{color:var(--muted)}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:var(--code);padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:normal;background:var(--panel);padding:.5rem .6rem;
margin:.4rem 0;border-radius:4px;max-height:16rem;overflow:auto}
.sev-error{fill:var(--error);color:var(--error);background:var(--error)}
.sev-warning{fill:var(--warning);color:var(--warning);background:var(--warning)}
.sev-info{fill:var(--info);color:var(--info);background:var(--info)}
.dot{display:inline-block;width:.7em;height:.7em;border-radius:50%;margin-right:.35em;vertical-align:baseline}
.legend>span{margin-left:.8em;white-space:nowrap}
.chips{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:.4rem 0}
.chip{border:1px solid var(--line);border-radius:999px;padding:.15rem .8rem;background:var(--panel)}
.chip b{font-size:1.1em}
.sev-error-soft b{color:var(--error)}.sev-warning-soft b{color:var(--warning)}.sev-info-soft b{color:var(--info)}
.first{border-left:4px solid var(--line);background:var(--panel);padding:.5rem .8rem;margin:.6rem 0;border-radius:4px}
.sev-error-edge{border-left-color:var(--error)}.sev-warning-edge{border-left-color:var(--warning)}
.sev-info-edge{border-left-color:var(--info)}
.clean p{font-size:1.05rem}
.chart{margin:.2rem 0 .4rem;min-width:0}
svg.bars{display:block;width:100%;height:150px;background:var(--panel);border-bottom:1px solid var(--muted)}
svg.spark{display:block;width:100%;height:30px;background:var(--panel)}
.ticks{display:flex;justify-content:space-between;font-size:12px;color:var(--muted);gap:.5rem}
.edge{font-size:13px;color:var(--muted);border:1px dashed var(--muted);border-radius:4px;padding:.1rem .5rem;
display:inline-block;margin:.2rem .4rem .2rem 0}
.lanes{display:grid;grid-template-columns:minmax(10rem,18rem) minmax(0,1fr);gap:.35rem 1rem;align-items:center}
.lane{display:contents}
.lane-label{font-size:13px;line-height:1.3}
.across{grid-column:1/-1;margin:.6rem 0 0}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.5rem .4rem;vertical-align:top;text-align:left}
th{font-size:13px;color:var(--muted);font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.seen{white-space:nowrap;font-size:13px}
.sev{font-weight:700;text-transform:uppercase;font-size:12px;background:none}
.title{font-weight:600}
.index li{margin:.3rem 0}
@media (max-width:700px){
body{padding:.75rem;font-size:15px}
.lanes{display:block}.lane{display:block;margin:.5rem 0}
table.cards,table.cards tbody{display:block;width:100%}
table.cards thead{display:none}
table.cards tr{display:flex;flex-wrap:wrap;align-items:baseline;gap:0 1rem;border:1px solid var(--line);
border-radius:6px;margin:.7rem 0;padding:.3rem .6rem}
table.cards td{display:block;border:0;padding:.25rem 0;text-align:left;white-space:normal}
table.cards td.wide{flex-basis:100%;order:9;min-width:0}
table.cards td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:12px;font-weight:600}
}
@media print{
:root{color-scheme:light;--fg:#000;--muted:#444;--bg:#fff;--panel:#f3f3f3;--line:#bbb;--link:#000;--code:#eee;
--error:#c5221f;--warning:#b06000;--info:#1a73e8}
body{max-width:none;padding:0;font-size:11pt}
pre{max-height:none;overflow:visible}
tr,.first,.lane{break-inside:avoid}
a{text-decoration:none}
}
"""
