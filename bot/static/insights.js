// The insights page and answer editor (/admin/questions): talks to /admin/api/insights,
// /admin/api/insights.csv and /admin/api/answers* with the operator's token (this tab's
// sessionStorage, shared with the plan page). Words come from #insights-words
// (bot/insights_words.yml) or the server's error messages; data is written with
// textContent, never as HTML. The chart is plain SVG drawn here (no library, no CDN).
(function () {
  "use strict";
  var words = JSON.parse(document.getElementById("insights-words").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var SVG = "http://www.w3.org/2000/svg";
  var SERIES = ["answered", "declined", "thumbs_down"];
  var ANSWER_MAX = 450;
  var state = { editing: null };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : String(values[key]); });
  }
  function notice(text, isError) {
    var box = $("notice");
    box.textContent = text || "";
    box.className = isError ? "error" : "";
  }
  function token() { return sessionStorage.getItem("hts-admin-token") || ""; }

  function request(method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + token() } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      if (response.status === 401) { logout(words.token_wrong); throw new Error(words.token_wrong); }
      return response;
    }, function () { throw new Error(words.error_network); });
  }
  function api(method, path, body) {
    return request(method, path, body).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error((data.error && data.error.message) || words.error_network); }
        return data;
      });
    });
  }
  function busy(on) {
    document.querySelectorAll("#admin button").forEach(function (b) { b.disabled = on; });
    if (on) { notice(words.working); }
  }
  function run(promise) {
    busy(true);
    return promise.then(function (result) { busy(false); notice(""); return result; },
      function (error) { busy(false); notice(error.message, true); throw error; });
  }
  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
    return td;
  }
  function button(label, handler, name) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    if (name) { element.setAttribute("aria-label", name); }
    element.addEventListener("click", handler);
    return element;
  }
  function when(iso) { return (iso || "").replace("T", " ").replace("+00:00", ""); }
  function emptyRow(body, text, span) {
    var row = document.createElement("tr");
    cell(row, text).colSpan = span;
    body.appendChild(row);
  }

  // ------------------------------------------------------------------ chart (SVG)
  function drawChart(data) {
    $("chart-heading").textContent = fill(words.chart_heading, { bucket: words["bucket_" + data.bucket] });
    var box = $("chart");
    box.textContent = "";
    var points = data.series, width = 720, height = 220, left = 36, bottom = 28, top = 8;
    var max = 1;
    points.forEach(function (p) { SERIES.forEach(function (s) { max = Math.max(max, p[s]); }); });
    var totals = { answered: 0, declined: 0, thumbs_down: 0 };
    points.forEach(function (p) { SERIES.forEach(function (s) { totals[s] += p[s]; }); });
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", fill(words.chart_label, {
      answered: totals.answered, declined: totals.declined, thumbs_down: totals.thumbs_down, from: data.from, to: data.to }));
    function add(name, attributes, text) {
      var element = document.createElementNS(SVG, name);
      Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
      if (text !== undefined) { element.textContent = text; }
      svg.appendChild(element);
      return element;
    }
    var plotHeight = height - bottom - top, slot = (width - left) / Math.max(points.length, 1);
    var bar = Math.max(1, Math.min(14, (slot - 4) / 3));
    add("line", { x1: left, y1: top + plotHeight, x2: width, y2: top + plotHeight, stroke: "#555" });
    add("text", { x: left - 6, y: top + 10, "text-anchor": "end", "font-size": 12 }, String(max));
    add("text", { x: left - 6, y: top + plotHeight, "text-anchor": "end", "font-size": 12 }, "0");
    var every = Math.ceil(points.length / 10);
    points.forEach(function (p, i) {
      SERIES.forEach(function (s, j) {
        var h = plotHeight * p[s] / max;
        var rect = add("rect", { x: left + i * slot + 2 + j * bar, y: top + plotHeight - h, width: bar, height: h, "class": "s-" + s });
        var title = document.createElementNS(SVG, "title");
        title.textContent = p.period + ": " + words["series_" + s] + " " + p[s];
        rect.appendChild(title);
      });
      if (i % every === 0) {
        add("text", { x: left + i * slot + 2, y: height - 8, "font-size": 12 }, p.period.slice(5));
      }
    });
    box.appendChild(svg);
  }

  // ------------------------------------------------------------------ groups
  function drawGroups(data) {
    $("grouped-by").textContent = words["grouped_by_" + data.grouped_by] || "";
    var body = $("groups").querySelector("tbody");
    body.textContent = "";
    data.groups.forEach(function (group) {
      var row = document.createElement("tr");
      row.dataset.group = group.group;
      var question = cell(row, group.question);
      if (group.wordings.length) {
        var more = document.createElement("p");
        more.className = "wordings";
        more.textContent = fill(words.other_wordings, { list: group.wordings.slice(0, 5).join(" · ") });
        question.appendChild(more);
      }
      cell(row, group.count);
      cell(row, when(group.first_seen));
      cell(row, when(group.last_seen));
      cell(row, Object.keys(group.kinds).map(function (k) {
        return (words["kind_" + k] || k) + " (" + group.kinds[k] + ")";
      }).join(", "));
      cell(row, ["declined", "thumbs_down", "unresolved_clarify"].filter(function (p) { return group[p]; })
        .map(function (p) { return fill(words["problem_" + p], { n: group[p] }); }).join(", "));
      cell(row, group.comments.join(" | "));
      cell(row, "").appendChild(button(words.write_answer, function () { startEditor(null, group); },
        words.write_answer + ": " + group.question));
      body.appendChild(row);
    });
    if (!data.groups.length) { emptyRow(body, words.no_groups, 8); }
  }
  function range() { return "from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value); }
  function loadInsights() {
    return api("GET", "/admin/api/insights?" + range()).then(function (data) {
      drawChart(data);
      drawGroups(data);
    });
  }

  // ------------------------------------------------------------------ editor
  function leftCount() {
    $("a-answer-left").textContent = fill(words.chars_left, { n: ANSWER_MAX - $("a-answer").value.length });
  }
  function startEditor(answer, group) {
    state.editing = answer ? answer.id : null;
    $("editor-mode").textContent = answer ? fill(words.editor_editing, { id: answer.id }) : words.editor_new;
    var source = (answer && answer.source) || {};
    $("a-answer").value = answer ? answer.answer : "";
    $("a-examples").value = answer ? answer.examples.join("\n") :
      group ? [group.question].concat(group.wordings).join("\n") : "";
    $("a-document").value = source.document || "";
    $("a-number").value = source.number || "";
    $("a-date").value = source.date || "";
    $("a-url").value = source.url || "";
    $("a-valid").value = (answer && answer.valid_until) || "";
    $("preview-box").hidden = true;
    leftCount();
    $("editor").scrollIntoView();
    $("a-answer").focus();
  }
  function draft() {
    var body = {
      answer: $("a-answer").value,
      examples: $("a-examples").value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean),
      source: { document: $("a-document").value, number: $("a-number").value, date: $("a-date").value, url: $("a-url").value },
      valid_until: $("a-valid").value || null
    };
    if (state.editing) { body.id = state.editing; }
    return body;
  }
  function showPreview(result) {
    $("preview-box").hidden = false;
    $("catches-line").textContent = result.catches.length ?
      fill(words.preview_catches, { n: result.catches.length, asked: result.asked }) :
      fill(words.preview_no_catches, { asked: result.asked });
    var catches = $("catches");
    catches.textContent = "";
    result.catches.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.question + " (" + (c.before ? fill(words.preview_before, { id: c.before }) : words.preview_before_none) + ")";
      catches.appendChild(li);
    });
    $("shadows-line").textContent = result.shadows.length ? words.preview_shadows : words.preview_no_shadows;
    var shadows = $("shadows");
    shadows.textContent = "";
    result.shadows.forEach(function (s) {
      var li = document.createElement("li");
      li.textContent = s.id + " — " + s.label + ": " + s.questions.slice(0, 3).join(" · ");
      shadows.appendChild(li);
    });
  }

  // ------------------------------------------------------------------ answers and log
  function drawAnswers(data) {
    var body = $("answers").querySelector("tbody");
    body.textContent = "";
    data.answers.forEach(function (answer) {
      var row = document.createElement("tr");
      row.dataset.answer = answer.id;
      cell(row, answer.id);
      cell(row, answer.answer);
      cell(row, [answer.source.document, answer.source.number, answer.source.date].filter(Boolean).join(", "));
      cell(row, answer.valid_until || words.unlimited);
      cell(row, answer.by);
      var actions = cell(row, "");
      actions.appendChild(button(words.edit_button, function () { startEditor(answer); }, words.edit_button + " " + answer.id));
      actions.appendChild(button(words.delete_button, function () {
        if (!window.confirm(fill(words.confirm_delete, { id: answer.id }))) { return; }
        run(api("DELETE", "/admin/api/answers/" + encodeURIComponent(answer.id)))
          .then(function () { notice(fill(words.deleted_notice, { id: answer.id })); return loadAnswers(); });
      }, words.delete_button + " " + answer.id));
      body.appendChild(row);
    });
    if (!data.answers.length) { emptyRow(body, words.no_answers, 6); }
    var changes = $("answer-changes").querySelector("tbody");
    changes.textContent = "";
    data.changes.forEach(function (change) {
      var row = document.createElement("tr");
      row.dataset.change = change.id;
      cell(row, when(change.at));
      cell(row, words["action_" + change.action] || change.action);
      cell(row, change.answer);
      cell(row, change.by);
      var actions = cell(row, "");
      if (change.undoable) {
        actions.appendChild(button(words.undo_button, function () {
          if (!window.confirm(fill(words.confirm_undo, { id: change.id }))) { return; }
          run(api("POST", "/admin/api/answer-changes/" + encodeURIComponent(change.id) + "/undo"))
            .then(function () { notice(fill(words.undone_notice, { id: change.id })); return loadAnswers(); });
        }, words.undo_button + " " + change.id));
      }
      changes.appendChild(row);
    });
    if (!data.changes.length) { emptyRow(changes, words.no_changes, 5); }
  }
  function loadAnswers() { return api("GET", "/admin/api/answers").then(drawAnswers); }

  // ------------------------------------------------------------------ login and events
  function login() {
    $("login-error").textContent = "";
    // One request checks the token and brings the answers (and the operator's name).
    return api("GET", "/admin/api/answers").then(function (data) {
      $("who").textContent = fill(words.signed_in, { name: data.operator });
      $("login").hidden = true;
      $("admin").hidden = false;
      drawAnswers(data);
      return loadInsights();
    }).catch(function (error) {
      if ($("admin").hidden) { $("login-error").textContent = error.message; } else { notice(error.message, true); }
    });
  }
  function logout(message) {
    sessionStorage.removeItem("hts-admin-token");
    $("admin").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = typeof message === "string" ? message : "";
  }
  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem("hts-admin-token", $("token").value);
    $("token").value = "";
    login();
  });
  $("logout").addEventListener("click", logout);
  $("filter").addEventListener("submit", function (event) {
    event.preventDefault();
    run(loadInsights());
  });
  $("csv").addEventListener("click", function () {
    run(request("GET", "/admin/api/insights.csv?" + range()).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (data) { throw new Error(data.error.message); });
      }
      return response.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = "cau-hoi-chua-tra-loi-" + $("from").value + "-" + $("to").value + ".csv";
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    }));
  });
  $("a-answer").addEventListener("input", leftCount);
  $("preview").addEventListener("click", function () {
    run(api("POST", "/admin/api/answers/preview", draft())).then(showPreview);
  });
  $("publish").addEventListener("click", function () {
    var body = draft(), editing = state.editing;
    var call = editing ? api("PUT", "/admin/api/answers/" + encodeURIComponent(editing), body) :
      api("POST", "/admin/api/answers", body);
    run(call).then(function (result) {
      notice(fill(editing ? words.updated_notice : words.published_notice, { id: result.id }));
      startEditor(null);
      return loadAnswers();
    });
  });
  $("cancel").addEventListener("click", function () { startEditor(null); });

  var today = new Date();
  var monthAgo = new Date(today.getTime() - 29 * 86400000);
  $("to").value = today.toISOString().slice(0, 10);
  $("from").value = monthAgo.toISOString().slice(0, 10);
  leftCount();
  if (token()) { login(); }
}());
