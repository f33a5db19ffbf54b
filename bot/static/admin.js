// The plan admin page: talks to /admin/api/* with the admin token (kept in this tab's
// sessionStorage only). Every word shown comes from #admin-words (bot/admin_words.yml)
// or from the server's error messages; data is written with textContent, never as HTML.
(function () {
  "use strict";
  var words = JSON.parse(document.getElementById("admin-words").textContent);
  var FIELDS = ["province", "title", "number", "date", "period", "status", "signer", "signer_title"];
  var state = { upload: null, idEdited: false };   // the plan id follows the fields until edited
  var $ = function (id) { return document.getElementById(id); };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] === undefined ? "" : String(values[key]); });
  }
  function notice(text, isError) {
    var box = $("notice");
    box.textContent = text || "";
    box.className = isError ? "error" : "";
  }
  function token() { return sessionStorage.getItem("hts-admin-token") || ""; }

  function api(method, path, body) {
    var options = { method: method, headers: { "Authorization": "Bearer " + token() } };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) { logout(words.token_wrong); throw new Error(words.token_wrong); }
        if (!response.ok) { throw new Error((data.error && data.error.message) || words.error_network); }
        return data;
      });
    }, function () { throw new Error(words.error_network); });
  }

  function busy(on, text) {
    document.querySelectorAll("#admin button").forEach(function (button) { button.disabled = on; });
    if (on) { notice(text || words.working); }
  }
  function run(promise, text) {
    busy(true, text);
    return promise.then(function (result) { busy(false); return result; },
      function (error) { busy(false); notice(error.message, true); throw error; });
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }
  function button(label, handler) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.addEventListener("click", handler);
    return element;
  }

  // ------------------------------------------------------------------ preview
  function showPreview(result) {
    state.upload = result.upload;
    $("review").hidden = false;
    var doc = result.document || {};
    $("document-line").textContent = fill(doc.pages ? words.document_line : words.document_line_no_pages, {
      kind: doc.kind, pages: doc.pages, seconds: doc.seconds, sections: result.sections,
      chunks: result.chunks, facts: result.facts.length, duties: result.duties.length });
    $("standing-line").textContent = fill(words.standing_line, {
      status: words["status_" + result.catalog.status] || result.catalog.status,
      standing: words["standing_" + result.standing] || result.standing });
    var header = result.header || {};
    $("header-line").textContent = fill(words.header_line, {
      issuer: header.issuer || words.header_unknown, kind: header.kind || words.header_unknown });
    var lineBody = $("lines").querySelector("tbody");
    lineBody.textContent = "";
    var markWords = { "đọc": words.mark_read, "chưa đọc": words.mark_unread, "mục": words.mark_section };
    var markClass = { "đọc": "line-read", "chưa đọc": "line-unread", "mục": "line-section" };
    (result.lines || []).forEach(function (item) {
      var row = document.createElement("tr");
      row.className = markClass[item.mark] || "";
      cell(row, fill(item.page ? words.line_page : words.line_only, item));
      cell(row, markWords[item.mark] || item.mark);
      cell(row, item.text);
      cell(row, item.said);
      lineBody.appendChild(row);
    });
    var warnings = $("warnings");
    warnings.textContent = "";
    (result.warnings.length ? result.warnings : [words.no_warnings]).forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      warnings.appendChild(li);
    });
    var body = $("facts").querySelector("tbody");
    body.textContent = "";
    result.facts.forEach(function (fact) {
      var row = document.createElement("tr");
      cell(row, words["kind_" + fact.kind] || fact.kind);
      cell(row, fact.year);
      cell(row, fact.label);
      cell(row, [fact.qualifier, fact.value, fact.unit].filter(Boolean).join(" "));
      cell(row, fact.section + " (" + fill(fact.page ? words.line_page : words.line_only, fact) + ")");
      body.appendChild(row);
    });
    if (!result.facts.length) {
      var empty = document.createElement("tr");
      cell(empty, words.no_facts).colSpan = 5;
      body.appendChild(empty);
    }
    var duties = $("duties");
    duties.textContent = "";
    result.duties.forEach(function (duty) {
      var li = document.createElement("li");
      li.textContent = duty.agency_label + " — " + fill(words.duty_count, { count: duty.duties.length });
      duties.appendChild(li);
    });
    FIELDS.forEach(function (field) { $("f-" + field).value = result.catalog[field] || ""; });
    $("f-plan_id").value = result.plan_id;
    $("target-note").textContent = fill(result.replaces ? words.replaces_note : words.new_note, { id: result.plan_id });
  }

  function catalogBody() {
    var catalog = {};
    FIELDS.forEach(function (field) { catalog[field] = $("f-" + field).value; });
    return { catalog: catalog, plan_id: state.idEdited ? $("f-plan_id").value || null : null };
  }

  // ------------------------------------------------------------------ lists
  function showLists(data) {
    var plans = $("plans").querySelector("tbody");
    plans.textContent = "";
    data.plans.forEach(function (plan) {
      var row = document.createElement("tr");
      row.dataset.plan = plan.id;
      cell(row, plan.id);
      cell(row, plan.province);
      cell(row, plan.period);
      cell(row, words["status_" + plan.status] || plan.status);
      cell(row, words["standing_" + plan.standing] || plan.standing);
      cell(row, plan.file);
      cell(row, "").appendChild(button(words.remove_button, function () {
        if (!window.confirm(fill(words.remove_confirm, { id: plan.id }))) { return; }
        run(api("DELETE", "/admin/api/plans/" + encodeURIComponent(plan.id)), words.publishing)
          .then(function () { notice(fill(words.removed, { id: plan.id })); return refresh(); });
      }));
      plans.appendChild(row);
    });
    var changes = $("changes").querySelector("tbody");
    changes.textContent = "";
    data.changes.forEach(function (change) {
      var row = document.createElement("tr");
      row.dataset.change = change.id;
      cell(row, change.at.replace("T", " ").replace("+00:00", ""));
      cell(row, words["action_" + change.action] || change.action);
      cell(row, change.plan);
      cell(row, change.sha256 ? change.sha256.slice(0, 16) + "…" : "—", "hash");
      cell(row, Object.keys(change.fields).filter(function (f) { return f !== "id" && f !== "file"; }).map(function (f) {
        var shown = change.fields[f].map(function (value) {
          return (f === "status" && words["status_" + value]) || value || "∅";
        });
        return (words["field_" + f] || f) + ": " + shown[0] + " → " + shown[1];
      }).join("; "));
      cell(row, change.by || "—");
      var actions = cell(row, "");
      if (change.undoable) {
        actions.appendChild(button(words.undo_button, function () {
          if (!window.confirm(words.undo_confirm)) { return; }
          run(api("POST", "/admin/api/changes/" + encodeURIComponent(change.id) + "/undo"), words.publishing)
            .then(function () { notice(fill(words.undone, { id: change.plan })); return refresh(); });
        }));
      }
      changes.appendChild(row);
    });
    if (!data.changes.length) {
      var empty = document.createElement("tr");
      cell(empty, words.no_changes).colSpan = 7;
      changes.appendChild(empty);
    }
  }
  function refresh() { return api("GET", "/admin/api/plans").then(showLists); }

  // ------------------------------------------------------------------ login and events
  // The token is checked at once (GET /admin/api/me): a wrong one is said on the login
  // form, before anything else is shown.
  function login() {
    $("login-error").textContent = words.token_checking;
    // One request checks the token and brings the lists (and the operator's name).
    return api("GET", "/admin/api/plans").then(function (data) {
      $("login-error").textContent = "";
      $("who").textContent = fill(words.signed_in, { name: data.operator });
      $("login").hidden = true;
      $("admin").hidden = false;
      showLists(data);
    }).catch(function (error) {
      if ($("admin").hidden) { $("login-error").textContent = error.message; } else { notice(error.message, true); }
    });
  }
  function logout(message) {
    sessionStorage.removeItem("hts-admin-token");
    $("admin").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = typeof message === "string" ? message : "";
    $("token").focus();
  }

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem("hts-admin-token", $("token").value);
    $("token").value = "";
    login();
  });
  $("logout").addEventListener("click", logout);
  $("f-plan_id").addEventListener("input", function () { state.idEdited = true; });
  $("upload").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = new FormData();
    form.append("file", $("file").files[0]);
    state.idEdited = false;
    run(api("POST", "/admin/api/uploads", form)).then(function (result) { notice(""); showPreview(result); });
  });
  $("refresh").addEventListener("click", function () {
    run(api("POST", "/admin/api/uploads/" + state.upload + "/preview", catalogBody()))
      .then(function (result) { notice(""); showPreview(result); });
  });
  $("publish").addEventListener("click", function () {
    run(api("POST", "/admin/api/uploads/" + state.upload + "/publish", catalogBody()), words.publishing)
      .then(function (result) {
        $("review").hidden = true;
        $("upload").reset();
        notice(fill(words.published, { id: result.change.plan }));
        return refresh();
      });
  });
  if (token()) { login(); }
}());
