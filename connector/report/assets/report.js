"use strict";
(function () {
  var errors = [];
  function showError(text) {
    errors.push(text);
    var box = document.getElementById("errors");
    var p = document.createElement("p");
    p.textContent = "Report error: " + text;
    box.appendChild(p);
    document.body.setAttribute("data-errors", String(errors.length));
  }
  window.addEventListener("error", function (e) { showError(e.message || String(e)); });

  var SVG = "http://www.w3.org/2000/svg";
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in (attrs || {})) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var k in (attrs || {})) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + " %"; }
  function num(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString("en-US"); }
  function rateText(block) { return block.value === null ? (block.message || "—") : pct(block.value); }
  function money(v, cur) { return v === null || v === undefined ? "—" : v.toFixed(2) + " " + cur; }
  function costText(block, cur) { return block.value === null ? (block.message || "—") : money(block.value, cur); }
  function days(v) { return v === null || v === undefined ? "—" : v.toFixed(1) + " d"; }
  function keyText(k) { return k === null || k === undefined ? "(none)" : String(k); }

  function table(headers, rows, id) {
    var t = el("table", id ? { id: id } : {});
    var head = el("tr");
    headers.forEach(function (h, i) { head.appendChild(el("th", i === 0 ? { "class": "text" } : {}, h)); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (c, i) { tr.appendChild(el("td", i === 0 ? { "class": "text" } : {}, c)); });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  function cards(report) {
    var t = report.totals, cur = report.settings.currency, box = document.getElementById("cards");
    var items = [
      ["qualified_call_rate", "Qualified-call rate", rateText(t.rates.qualified_call_rate), t.rates.qualified_call_rate.value],
      ["post_qualification_conversion", "Post-qualification conversion", rateText(t.rates.post_qualification_conversion), t.rates.post_qualification_conversion.value],
      ["opportunity_rate_per_meeting", "Opportunities per meeting", rateText(t.rates.opportunity_rate_per_meeting), t.rates.opportunity_rate_per_meeting.value],
      ["opportunity_rate_per_qualified_call", "Opportunities per qualified call", rateText(t.rates.opportunity_rate_per_qualified_call), t.rates.opportunity_rate_per_qualified_call.value],
      ["cost_per_qualified_call", "Cost per qualified call", costText(t.rates.cost_per_qualified_call, cur), t.rates.cost_per_qualified_call.value],
      ["lead_to_opportunity", "Lead → opportunity (median / p90)",
        t.lead_to_opportunity.median_days === null ? t.lead_to_opportunity.message : days(t.lead_to_opportunity.median_days) + " / " + days(t.lead_to_opportunity.p90_days),
        t.lead_to_opportunity.median_days]
    ];
    items.forEach(function (it) {
      var card = el("div", { "class": "card", "data-kpi": it[0] });
      card.appendChild(el("div", { "class": "label" }, it[1]));
      card.appendChild(el("div", { "class": it[3] === null ? "value empty" : "value" }, it[2]));
      box.appendChild(card);
    });
  }

  function funnel(report) {
    var stages = report.funnel, width = 760, rowH = 46, left = 190, maxW = width - left - 90;
    var top = Math.max(1, stages[0].count);
    var s = svg("svg", { viewBox: "0 0 " + width + " " + (stages.length * rowH + 10), role: "img", "aria-label": "Funnel chart", id: "funnel-chart" });
    stages.forEach(function (st, i) {
      var w = Math.max(2, Math.round(maxW * st.count / top)), y = 5 + i * rowH;
      var g = svg("g", { "class": "stage", "data-stage": st.stage, "data-count": String(st.count) });
      g.appendChild(svg("text", { x: 0, y: y + 24, "class": "bar-label" }, st.label));
      g.appendChild(svg("rect", { x: left, y: y, width: w, height: rowH - 10, rx: 4, fill: i < 3 ? "#2f6fde" : "#1f9d55" }));
      var inside = w >= 60;
      g.appendChild(svg("text", { x: inside ? left + 8 : left + w + 8, y: y + 24, "class": inside ? "bar-count" : "bar-count outside" }, num(st.count)));
      if (st.of_previous !== null) {
        g.appendChild(svg("text", { x: left + w + (inside ? 8 : 60), y: y + 24, "class": "bar-rate" }, pct(st.of_previous)));
      }
      s.appendChild(g);
    });
    document.getElementById("funnel").appendChild(s);
  }

  function trend(report) {
    var periods = report.periods, box = document.getElementById("trend");
    if (!periods.length) { box.appendChild(el("p", { "class": "muted" }, "no periods yet")); return; }
    var series = [["qualified_call_rate", "Qualified-call rate", "#2f6fde"], ["post_qualification_conversion", "Post-qualification conversion", "#e4572e"]];
    var width = 760, height = 260, left = 46, right = 44, top = 16, bottom = 48;
    var maxV = 0.05;
    periods.forEach(function (p) { series.forEach(function (s) { var v = p.rates[s[0]].value; if (v !== null && v > maxV) { maxV = v; } }); });
    maxV = Math.min(1, Math.ceil(maxV * 5) / 5);
    var n = periods.length, step = n > 1 ? (width - left - right) / (n - 1) : 0;
    function x(i) { return n > 1 ? left + i * step : (left + width - right) / 2; }
    function y(v) { return top + (height - top - bottom) * (1 - v / maxV); }
    var s = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "KPIs over time", id: "trend-chart" });
    for (var k = 0; k <= 4; k++) {
      var v = maxV * k / 4;
      s.appendChild(svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), "class": "axis" }));
      s.appendChild(svg("text", { x: 2, y: y(v) + 4, "class": "legend" }, Math.round(v * 100) + "%"));
    }
    var every = Math.max(1, Math.ceil(n / 12));
    periods.forEach(function (p, i) {
      if (i % every === 0) { s.appendChild(svg("text", { x: x(i), y: height - bottom + 18, "class": "legend", "text-anchor": "middle" }, p.period)); }
    });
    series.forEach(function (ser, si) {
      var d = "", pen = false;
      periods.forEach(function (p, i) {
        var v = p.rates[ser[0]].value;
        if (v === null) { pen = false; return; }
        d += (pen ? " L " : " M ") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        pen = true;
        s.appendChild(svg("circle", { cx: x(i), cy: y(v), r: 3, fill: ser[2] }));
      });
      if (d) { s.appendChild(svg("path", { d: d, fill: "none", stroke: ser[2], "stroke-width": 2 })); }
      s.appendChild(svg("rect", { x: left + si * 260, y: height - 18, width: 12, height: 12, fill: ser[2] }));
      s.appendChild(svg("text", { x: left + si * 260 + 18, y: height - 8, "class": "legend" }, ser[1]));
    });
    box.appendChild(s);
    var cur = report.settings.currency;
    box.appendChild(table(["Period", "Calls", "Qualified", "Rate", "Meetings", "Conversion", "Opps", "Cost / qualified"],
      periods.map(function (p) {
        return [p.period, num(p.calls_handled), num(p.qualified), rateText(p.rates.qualified_call_rate), num(p.meetings_held),
          rateText(p.rates.post_qualification_conversion), num(p.opportunities), costText(p.rates.cost_per_qualified_call, cur)];
      }), "periods-table"));
  }

  function sliceRows(rows, cur) {
    return rows.map(function (r) {
      return [keyText(r.key), num(r.calls_handled), num(r.connected), num(r.qualified), rateText(r.rates.qualified_call_rate),
        num(r.meetings_held), rateText(r.rates.post_qualification_conversion), num(r.opportunities),
        rateText(r.rates.opportunity_rate_per_meeting), costText(r.rates.cost_per_qualified_call, cur), days(r.lead_to_opportunity.median_days)];
    });
  }
  var SLICE_HEAD = ["Calls", "Connected", "Qualified", "Rate", "Meetings", "Conversion", "Opps", "Opps / meeting", "Cost / qualified", "Lead→opp median"];

  function slices(report) {
    var cur = report.settings.currency;
    document.getElementById("reps").appendChild(table(["Rep"].concat(SLICE_HEAD), sliceRows(report.slices.rep, cur), "rep-table"));
    var names = { team: "Team", source: "Source / campaign", language: "Language", ruleset: "Ruleset", variant: "Variant" };
    var box = document.getElementById("other-slices");
    Object.keys(names).forEach(function (dim) {
      var rows = report.slices[dim];
      if (!rows.length || (rows.length === 1 && rows[0].key === null)) { return; }
      box.appendChild(el("h2", {}, "By " + names[dim].toLowerCase()));
      box.appendChild(table([names[dim]].concat(SLICE_HEAD), sliceRows(rows, cur), dim + "-table"));
    });
  }

  function variants(report) {
    var sec = report.variants, box = document.getElementById("variants");
    if (sec.message) { box.appendChild(el("p", { "class": "muted" }, sec.message)); }
    if (!sec.comparisons.length) { return; }
    var rows = [];
    sec.comparisons.forEach(function (c) {
      Object.keys(c.kpis).forEach(function (k) {
        var t = c.kpis[k];
        rows.push([c.variant + " vs " + c.control, k.replace(/_/g, " "),
          pct(t.control.rate) + " (n=" + t.control.n + ")", pct(t.variant.rate) + " (n=" + t.variant.n + ")",
          pct(t.difference), t.ci95 ? pct(t.ci95[0]) + " … " + pct(t.ci95[1]) : "—", t.test || "—",
          t.p_value === null ? "—" : t.p_value.toPrecision(3), t.verdict]);
      });
    });
    box.appendChild(table(["Comparison", "KPI", "Control", "Variant", "Difference", "95 % CI", "Test", "p", "Verdict"], rows, "ab-table"));
  }

  function signals(report) {
    var box = document.getElementById("signals"), langs = report.signals.by_language;
    if (report.signals.message) { box.appendChild(el("p", { "class": "muted" }, report.signals.message)); }
    Object.keys(langs).forEach(function (lang) {
      var b = langs[lang];
      box.appendChild(el("p", { "class": "muted" }, lang + ": " + num(b.calls) + " calls with evidence, " + num(b.calls_with_meeting) +
        " followed by a held meeting (baseline " + pct(b.baseline_rate) + ")"));
      var rows = b.signals.concat(b.phrases).map(function (e) {
        return [e.signal, e.phrase || "", num(e.calls), num(e.calls_with_meeting), pct(e.meeting_rate), e.lift.toFixed(2)];
      });
      if (rows.length) { box.appendChild(table(["Signal", "Phrase", "Calls", "With meeting", "Meeting rate", "Lift"], rows, "signals-" + lang)); }
    });
  }

  function main() {
    var report = JSON.parse(document.getElementById("report-data").textContent);
    document.getElementById("scope").textContent = (report.pipeline || "all pipelines") + " · " + report.period +
      " periods · until " + report.range.until + " · meetings counted within " + report.settings.meeting_window_days + " days";
    var msg = document.getElementById("messages");
    report.messages.forEach(function (m) { msg.appendChild(el("p", { "class": "message" }, m)); });
    [cards, funnel, trend, slices, variants, signals].forEach(function (part) {
      try { part(report); } catch (e) { showError(part.name + ": " + (e && e.message ? e.message : String(e))); }
    });
    document.body.setAttribute("data-rendered", errors.length ? "with-errors" : "ok");
  }
  try { main(); } catch (e) { showError(e && e.message ? e.message : String(e)); }
})();
