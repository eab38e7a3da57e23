"""The approval page's style sheet, served from `/style.css` (the Content-Security-Policy allows
no inline style). Narrow screens first: nothing is wider than the screen at 390 px; tables
become stacked rows below 700 px, and long words (paths, digests, commands) wrap."""

CSS = """
:root { --fg: #1d232b; --muted: #5d6875; --line: #d9dee4; --bg: #f6f7f9; --card: #fff;
        --ok: #17693a; --bad: #a4262c; --warn: #8a5a00; --accent: #2450a6; --mark: #a0308a; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); overflow-wrap: anywhere; }
header { display: flex; flex-wrap: wrap; gap: .4rem 1.1rem; align-items: center; padding: .6rem 1rem;
         background: #1d232b; color: #fff; }
header a { color: #fff; text-decoration: none; }
header .brand { font-weight: 700; letter-spacing: .02em; }
header .who { margin-left: auto; color: #c8d0da; }
header form { margin: 0; }
header button { background: transparent; color: #fff; border: 1px solid #55606d; padding: .2rem .6rem; }
main { max-width: 1100px; margin: 1rem auto; padding: 0 1rem; }
h1 { font-size: 1.3rem; margin: 0 0 .8rem; }
h2 { font-size: 1.02rem; margin: 1.4rem 0 .5rem; }
p { margin: .4rem 0; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
th { background: #eef1f4; font-weight: 600; font-size: .85rem; color: var(--muted); }
td.nowrap { white-space: nowrap; }
td.summary, pre, code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .88rem; }
pre { background: var(--card); border: 1px solid var(--line); padding: .6rem; white-space: pre-wrap;
      overflow-wrap: anywhere; word-break: break-word; margin: .25rem 0 .7rem; max-width: 100%; }
a { color: var(--accent); }
.card { background: var(--card); border: 1px solid var(--line); padding: .9rem 1rem; margin-bottom: 1rem; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.flash { padding: .6rem .9rem; margin-bottom: 1rem; border: 1px solid; background: var(--card); }
.flash.ok { border-color: var(--ok); color: var(--ok); }
.flash.error { border-color: var(--bad); color: var(--bad); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 3px; font-size: .8rem; font-weight: 600;
         background: #e6e9ed; white-space: nowrap; }
.badge.pending, .badge.ask { background: #fff1cc; color: var(--warn); }
.badge.approved, .badge.used, .badge.allow { background: #d9f2e2; color: var(--ok); }
.badge.denied, .badge.expired, .badge.deny { background: #f8dcdc; color: var(--bad); }
.badge.count { background: #dfe7f7; color: var(--accent); }
.headline { font-size: 1.12rem; font-weight: 600; margin: .2rem 0 .6rem; }
.items { list-style: none; margin: 0; padding: 0; }
.items > li { background: var(--card); border: 1px solid var(--line); padding: .75rem .9rem; margin-bottom: .7rem; }
.items .top { display: flex; flex-wrap: wrap; gap: .3rem .7rem; align-items: baseline; }
.items .headline { font-size: 1rem; margin: .35rem 0; }
.action { display: block; background: #f3f5f8; border: 1px solid var(--line); padding: .35rem .5rem; margin: .3rem 0;
          white-space: pre-wrap; }
.ws { color: var(--mark); background: #f7e3f2; border-radius: 2px; font-weight: 700; }
.lost { margin: .2rem 0 .2rem 1.1rem; padding: 0; }
.lost li { margin: .2rem 0; }
.files { margin: .2rem 0 .2rem 1rem; padding: 0; list-style: none; }
.state { display: inline-block; font-size: .75rem; font-weight: 600; padding: 0 .35rem; border-radius: 3px;
         margin-right: .35rem; background: #e6e9ed; }
.state.modified, .state.untracked, .state.ignored, .state.outside-repo { background: #f8dcdc; color: var(--bad); }
.state.committed, .state.regenerable { background: #d9f2e2; color: var(--ok); }
.said { border-left: 3px solid var(--line); padding: .2rem .7rem; margin: .3rem 0; font-style: italic; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; min-width: 0; }
details { background: var(--card); border: 1px solid var(--line); padding: .5rem .8rem; margin: .6rem 0; }
details > summary { cursor: pointer; color: var(--accent); }
.decide { display: flex; gap: 1rem; flex-wrap: wrap; }
.decide form { flex: 1 1 300px; min-width: 0; }
.decide .buttons { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
label { display: block; font-size: .85rem; color: var(--muted); margin-bottom: .25rem; }
input[type=text], input[type=password] { width: 100%; padding: .5rem; border: 1px solid var(--line); font: inherit; }
button { font: inherit; padding: .55rem 1rem; border: 1px solid var(--line); background: #eef1f4; cursor: pointer;
         max-width: 100%; white-space: normal; }
button.approve { background: var(--ok); border-color: var(--ok); color: #fff; }
button.window { background: #fff; border-color: var(--ok); color: var(--ok); }
button.deny { background: var(--bad); border-color: var(--bad); color: #fff; margin-top: .5rem; }
.timeline { list-style: none; margin: 0; padding: 0; }
.timeline li { background: var(--card); border: 1px solid var(--line); border-left-width: 4px; padding: .5rem .7rem;
               margin-bottom: .45rem; }
.timeline li.allow { border-left-color: var(--ok); }
.timeline li.ask, .timeline li.request { border-left-color: #d9a400; }
.timeline li.deny { border-left-color: var(--bad); }
.timeline li.current { outline: 2px solid var(--accent); }
.login { max-width: 420px; margin: 3rem auto; }
@media (max-width: 700px) {
  main { padding: 0 .6rem; }
  table, thead, tbody, tr, th, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border-bottom: 2px solid var(--line); }
  td { border: 0; padding: .2rem .6rem; }
  td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: .8rem; }
  td.nowrap { white-space: normal; }
  dl { grid-template-columns: minmax(0, 1fr); }
  dt { margin-top: .3rem; }
  .decide form { flex-basis: 100%; }
  .decide .buttons button { flex: 1 1 100%; }
}
"""
