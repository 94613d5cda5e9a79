"""The dashboard page: HTML, CSS and script in one constant, nothing loaded from elsewhere.

The script asks ``/state.json`` a second after each answer (never two
requests at once, so a slow board is not flooded) and draws what it gets
(socbar/dashboard.py): the bar's frames at their own timing, the state in
words, the values. Nothing is ever left on screen as if current: a value the
firmware did not send shows as "--", stale values are greyed with their age,
and when the board stops answering for ``LOST`` ms the page says so and
clears everything. It only reads: the page has no form and sends no data.
"""

PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>socbar</title>
<style>
body{margin:0;font:16px/1.4 system-ui,sans-serif;background:#15171a;color:#e8e8e8}
main{max-width:30em;margin:auto;padding:1em}
#state{font-size:1.7em;font-weight:700;padding:.35em .6em;border-radius:.3em;background:#2b5d34}
#hint{min-height:1.4em;color:#bbb;margin:.3em 0 .8em}
body.warn #state{background:#8a6d00}
body.bad #state{background:#a3159b}
body.fault #state{background:#b01818}
body.dark #state{background:#3a3d42}
#bar{display:flex;gap:5px;height:3.2em;padding:6px;background:#000;border-radius:8px}
.seg{flex:1;border-radius:4px;background:#000;box-shadow:inset 0 0 0 1px #2a2a2a}
#soc{font-size:3.2em;font-weight:700;margin:.2em 0}
table{width:100%;border-collapse:collapse}
td{padding:.3em 0;border-bottom:1px solid #2a2d31}
td+td{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
body.old #soc,body.old #vals td+td{color:#8a8a8a}
#conn{color:#999;font-size:.85em;margin-top:1em}
</style></head>
<body class="dark"><main>
<div id="state">Connecting&hellip;</div><div id="hint"></div>
<div id="bar"></div>
<div id="soc">--</div>
<table id="vals">
<tr><td>Pack voltage</td><td id="v">--</td></tr>
<tr><td>Current</td><td id="a">--</td></tr>
<tr><td>Temperatures</td><td id="t">--</td></tr>
<tr><td>Cell min / max</td><td id="c">--</td></tr>
<tr><td>Link quality</td><td id="q">--</td></tr>
<tr><td>Frames good / bad / bytes skipped</td><td id="n">--</td></tr>
<tr><td>Input format</td><td id="f">--</td></tr>
<tr><td>Data age</td><td id="age">--</td></tr>
<tr><td>Ignition output</td><td id="ign">--</td></tr>
<tr><td>Firmware errors</td><td id="err">--</td></tr>
</table>
<div id="conn"></div>
</main>
<script>
"use strict";
var WORDS={live:["Live","ok",""],charging:["Charging","ok",""],full:["Fully charged","ok",""],
regen:["Regenerating","ok",""],fault:["BMS fault","fault","The BMS reports a fault."],
empty:["Empty","warn","The battery is empty."],
asleep:["BMS asleep","dark","The BMS is silent with the key off. No values are shown."],
link_lost:["Link lost","bad","No data from the BMS. No values are shown."],
stale:["Stale data","warn","No SOC from the BMS lately: the grey values are old."]};
var LOST=4000,runs=[],t0=0,got=Date.now(),segs=[];
function $(i){return document.getElementById(i)}
function fx(v,s,d,u){return v==null?"--":(v/s).toFixed(d)+u}
function set(i,s){$(i).textContent=s}
function draw(){
  var bar=$("bar"),k,i,total=0,t;
  if(!runs.length){return}
  var n=runs[0][0].length;
  if(segs.length!=n){bar.textContent="";segs=[];
    for(i=0;i<n;i++){var d=document.createElement("div");d.className="seg";bar.appendChild(d);segs.push(d)}}
  for(k=0;k<runs.length;k++){total+=runs[k][1]}
  t=(Date.now()-t0)%total;
  for(k=0;k<runs.length-1&&t>=runs[k][1];k++){t-=runs[k][1]}
  for(i=0;i<n;i++){var c=runs[k][0][i],on=c!="#000000";
    segs[i].style.background=on?c:"";segs[i].dataset.lit=on?"1":"0";segs[i].dataset.color=c}
}
function show(d){
  var w=WORDS[d.state]||[d.state,"bad",""];
  document.body.className=w[1]+(d.old?" old":"");
  document.body.dataset.state=d.state;
  set("state",w[0]);set("hint",w[2]);
  set("soc",d.soc==null?"--":fx(d.soc,1e6,1,"\\u2009%"));
  set("v",fx(d.voltage_mv,1000,2," V"));set("a",fx(d.current_ma,1000,2," A"));
  var t=[],i;
  for(i=0;i<d.temps_dc.length;i++){if(d.temps_dc[i]!=null){t.push(fx(d.temps_dc[i],10,1," \\u00b0C"))}}
  set("t",t.length?t.join(", "):"--");
  set("c",d.cell_min_mv==null?"--":fx(d.cell_min_mv,1000,3,"")+" / "+fx(d.cell_max_mv,1000,3," V"));
  set("q",d.quality==null?"--":d.quality+" %");set("n",d.good+" / "+d.bad+" / "+d.skipped);
  set("f",d.format==null?"detecting\\u2026":d.format+", "+d.baud+" baud");
  set("age",d.age_ms==null?"--":fx(d.age_ms,1000,1," s")+(d.old?" (old)":""));
  set("ign",d.ignition?"on":"off");set("err",""+d.errors);
  runs=d.bar;t0=Date.now();draw();
}
function lost(){
  document.body.className="bad";document.body.dataset.state="no_board";
  set("state","No connection");set("hint","The board does not answer. No values are shown.");
  var ids=["soc","v","a","t","c","q","n","f","age","ign","err"];
  for(var i=0;i<ids.length;i++){set(ids[i],"--")}
  runs=[];for(i=0;i<segs.length;i++){segs[i].style.background="";segs[i].dataset.lit="0"}
}
function ask(){
  var x=new XMLHttpRequest();
  x.open("GET","/state.json");x.timeout=3000;
  x.onload=function(){if(x.status==200){try{show(JSON.parse(x.responseText));got=Date.now();
    set("conn","Updated "+new Date().toLocaleTimeString())}catch(e){}}};
  x.onloadend=function(){setTimeout(ask,1000)};
  x.send();
}
setInterval(function(){if(Date.now()-got>LOST){lost()}},500);
setInterval(draw,50);
ask();
</script></body></html>
"""
