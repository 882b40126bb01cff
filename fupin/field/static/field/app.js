/* fupin field app: households of the user's villages kept in IndexedDB, forms that queue entries offline, and a
   sync that sends the queue when a connection returns. Plain JavaScript, no build step. */
(function () {
  "use strict";
  var root = document.getElementById("field-app");
  if (!root) return;
  var T = JSON.parse(document.getElementById("field-strings").textContent);
  var USER = root.dataset.user;
  var DB_NAME = "fupin-field";
  var MAX_SIDE = 1280;           // photos are resized on the phone to at most this many pixels a side
  var BATCH_BYTES = 1500000;     // a sync request stays under the server's 2.5 MB body limit
  var bundle = null;
  var syncing = false;

  // IndexedDB ------------------------------------------------------------------------------------------------
  var dbPromise = new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      var db = request.result;
      db.createObjectStore("bundle");
      var queue = db.createObjectStore("entries", {keyPath: "id"});
      queue.createIndex("user", "user");
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });

  function store(name, mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function getBundle() { return store("bundle", "readonly", function (s) { return s.get(USER); }); }
  function putBundle(data) { return store("bundle", "readwrite", function (s) { s.put(data, USER); }); }
  function putEntry(entry) { return store("entries", "readwrite", function (s) { s.put(entry); }); }
  function allEntries() {
    return store("entries", "readonly", function (s) { return s.index("user").getAll(USER); });
  }

  // Helpers --------------------------------------------------------------------------------------------------
  function t(key, params) {
    var text = T[key] || key;
    Object.keys(params || {}).forEach(function (name) { text = text.split("%(" + name + ")s").join(params[name]); });
    return text;
  }
  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64; bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  function today() {
    var now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }
  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function notice(text, kind) {
    var element = document.getElementById("field-notice");
    element.textContent = text || "";
    element.className = "field-notice " + (kind || "");
  }
  function household(id) {
    return bundle && bundle.households.filter(function (h) { return String(h.id) === String(id); })[0];
  }
  function villageName(code) {
    var village = bundle && bundle.villages.filter(function (v) { return v.code === code; })[0];
    return village ? village.name : code;
  }
  function cadreName(id) {
    var cadre = bundle && bundle.cadres.filter(function (c) { return c.id === id; })[0];
    return cadre ? cadre.name : "";
  }

  // Photos and position ----------------------------------------------------------------------------------------
  function resize(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(image.naturalWidth * scale);
        canvas.height = Math.round(image.naturalHeight * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
      };
      image.onerror = function () { URL.revokeObjectURL(url); reject(new Error(t("photo_unreadable"))); };
      image.src = url;
    });
  }
  function locate(form) {
    var status = form.querySelector(".gps-status");
    if (!navigator.geolocation) { status.textContent = t("gps_unavailable"); return; }
    status.textContent = t("gps_locating");
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
      status.textContent = t("gps_found", {accuracy: Math.round(position.coords.accuracy)});
    }, function () { status.textContent = t("gps_unavailable"); }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }
  function gpsFields() {
    return '<fieldset class="gps"><legend>' + esc(t("position")) + '</legend>' +
      '<input name="latitude" readonly placeholder="' + esc(t("latitude")) + '" aria-label="' + esc(t("latitude")) + '">' +
      '<input name="longitude" readonly placeholder="' + esc(t("longitude")) + '" aria-label="' + esc(t("longitude")) + '">' +
      '<button type="button" class="gps-button">' + esc(t("locate")) + '</button> <span class="gps-status"></span></fieldset>';
  }
  function wireGps(form) {
    form.querySelector(".gps-button").addEventListener("click", function () { locate(form); });
    locate(form);
  }

  // Queue ------------------------------------------------------------------------------------------------------
  function enqueue(kind, data, label) {
    var entry = {id: uuid(), user: USER, kind: kind, data: data, label: label, recorded_at: new Date().toISOString(),
                 state: "queued", answer: null};
    return putEntry(entry).then(function () {
      notice(t("queued_saved"), "ok");
      refreshCounts();
      if (navigator.onLine) sync();
      location.hash = "#queue";
    });
  }
  function refreshCounts() {
    allEntries().then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "queued"; }).length;
      document.getElementById("field-queued").textContent = t("queued_count", {count: waiting});
    });
  }
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    return allEntries().then(function (entries) {
      var queued = entries.filter(function (e) { return e.state === "queued"; });
      queued.sort(function (a, b) { return a.recorded_at < b.recorded_at ? -1 : 1; });
      var batches = [], batch = [], size = 0;
      queued.forEach(function (entry) {
        var wire = {id: entry.id, kind: entry.kind, recorded_at: entry.recorded_at, data: entry.data};
        var bytes = JSON.stringify(wire).length;
        if (batch.length && size + bytes > BATCH_BYTES) { batches.push(batch); batch = []; size = 0; }
        batch.push(wire); size += bytes;
      });
      if (batch.length) batches.push(batch);
      var chain = Promise.resolve(0);
      batches.forEach(function (items) { chain = chain.then(function (done) { return send(items).then(function (n) { return done + n; }); }); });
      return chain;
    }).then(function (done) {
      if (done) notice(t("synced", {count: done}), "ok");
      return loadData(true);
    }).catch(function (error) {
      notice(error.message || t("sync_failed"), "error");
    }).then(function () { syncing = false; refreshCounts(); render(); });
  }
  function send(items) {
    return fetch(root.dataset.syncUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": cookie("csrftoken"), "Accept": "application/json"},
      body: JSON.stringify({entries: items})
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) throw new Error(t("log_in_again"));
      if (!response.ok) throw new Error(t("sync_failed"));
      return response.json();
    }).then(function (body) {
      return Promise.all(body.results.map(function (answer) {
        return store("entries", "readwrite", function (s) {
          var request = s.get(answer.id);
          request.onsuccess = function () {
            var entry = request.result;
            if (!entry) return;
            entry.state = answer.outcome;
            entry.answer = answer;
            if (answer.outcome === "applied" && entry.data.photos) entry.data.photos = entry.data.photos.map(function () { return null; });
            s.put(entry);
          };
        });
      })).then(function () { return body.results.length; });
    });
  }

  // Data -------------------------------------------------------------------------------------------------------
  function loadData(quiet) {
    if (!navigator.onLine) return Promise.resolve();
    return fetch(root.dataset.dataUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error(t("data_failed"));
        return response.json();
      }).then(function (data) {
        bundle = data;
        return putBundle(data).then(function () { if (!quiet) render(); });
      }).catch(function (error) { if (!quiet) notice(error.message, "error"); });
  }

  // Views ------------------------------------------------------------------------------------------------------
  var view = document.getElementById("field-view");
  function render() {
    var hash = location.hash || "#households";
    var parts = hash.slice(1).split("/");
    if (!bundle) { view.innerHTML = "<p>" + esc(navigator.onLine ? t("loading") : t("no_data_offline")) + "</p>"; return; }
    var name = parts[0];
    if (name === "household") return renderHousehold(parts[1]);
    if (name === "visit") return renderVisit(parts[1]);
    if (name === "member") return renderMember(parts[1], parts[2]);
    if (name === "income") return renderIncome(parts[1]);
    if (name === "followup") return renderFollowUp(parts[1], parts[2]);
    if (name === "checkin") return renderCheckIn();
    if (name === "queue") return renderQueue();
    return renderHouseholds();
  }

  function renderHouseholds() {
    var html = '<input type="search" id="field-search" placeholder="' + esc(t("search")) + '" aria-label="' + esc(t("search")) + '">';
    if (bundle.truncated) html += '<p class="field-notice error">' + esc(t("truncated", {count: bundle.limit})) + "</p>";
    if (!bundle.households.length) html += "<p>" + esc(t("no_households")) + "</p>";
    html += '<p class="muted">' + esc(t("data_as_of", {time: new Date(bundle.generated_at).toLocaleString()})) + "</p>";
    bundle.villages.forEach(function (village) {
      html += "<h2>" + esc(village.name) + "</h2><ul class=\"field-list\">";
      bundle.households.filter(function (h) { return h.village === village.code; }).forEach(function (h) {
        html += '<li data-search="' + esc((h.head + " " + h.number).toLowerCase()) + '"><a href="#household/' + h.id + '">' +
          esc(h.head) + ' <small>' + esc(h.number) + " · " + esc(h.status) + "</small></a>" +
          (h.tasks.length ? ' <span class="badge warn">' + esc(t("warning")) + "</span>" : "") + "</li>";
      });
      html += "</ul>";
    });
    view.innerHTML = html;
    document.getElementById("field-search").addEventListener("input", function (event) {
      var query = event.target.value.trim().toLowerCase();
      view.querySelectorAll("li[data-search]").forEach(function (item) {
        item.hidden = query && item.dataset.search.indexOf(query) < 0;
      });
    });
  }

  function renderHousehold(id) {
    var h = household(id);
    if (!h) { view.innerHTML = "<p>" + esc(t("not_on_phone")) + "</p>"; return; }
    var html = "<h2>" + esc(h.head) + " <small>" + esc(h.number) + "</small></h2>" +
      "<p>" + esc(villageName(h.village)) + " · " + esc(h.status) + " · " + esc(t("main_cause")) + ": " + esc(h.main_cause) + "</p>" +
      '<p class="field-actions"><a class="button" href="#visit/' + h.id + '">' + esc(t("record_visit")) + '</a> ' +
      '<a class="button" href="#income/' + h.id + '">' + esc(t("update_incomes")) + "</a></p>";
    h.tasks.forEach(function (task) {
      html += '<p class="field-notice warn">' + esc(task.message) + " · " + esc(t("visit_by", {date: task.due_on})) +
        ' <a class="button" href="#followup/' + h.id + "/" + task.id + '">' + esc(t("follow_up")) + "</a></p>";
    });
    html += "<h3>" + esc(t("members")) + '</h3><ul class="field-list">';
    h.members.forEach(function (m) {
      html += "<li>" + esc(m.name) + " <small>" + esc(m.relation) + " · " + esc(m.sex) + (m.age !== null ? " · " + esc(t("age", {age: m.age})) : "") +
        " · " + esc(m.health_label) + " · " + esc(m.labour_label) + '</small> <a href="#member/' + h.id + "/" + m.id + '">' + esc(t("update")) + "</a></li>";
    });
    html += "</ul><h3>" + esc(t("plans")) + "</h3>";
    if (!h.plans.length) html += "<p>" + esc(t("no_plan")) + "</p>";
    h.plans.forEach(function (plan) {
      html += "<p><strong>" + plan.year + "</strong> " + esc(plan.outcome) + " · " + esc(plan.causes.join("、")) +
        (plan.measures.length ? "<br>" + esc(plan.measures.join("、")) : "") + "</p>";
    });
    html += "<p>" + esc(t("last_visit")) + ": " + esc(h.last_visit || t("never")) + "</p>";
    if (h.year) html += "<p>" + esc(t("income_per_head", {year: h.year.year, amount: h.year.net_income_per_capita || "—"})) + "</p>";
    view.innerHTML = html;
  }

  function cadreOptions(ids) {
    var chosen = localStorage.getItem("fupin-field-cadre-" + USER);
    return ids.map(function (id) {
      return '<option value="' + id + '"' + (String(id) === chosen ? " selected" : "") + ">" + esc(cadreName(id)) + "</option>";
    }).join("");
  }
  function photoField() {
    return '<label>' + esc(t("photos")) + ' <input type="file" name="photo" accept="image/*" capture="environment" multiple></label>';
  }
  function readPhotos(form) {
    var files = Array.prototype.slice.call(form.elements.photo.files || [], 0, 3);
    return Promise.all(files.map(resize));
  }

  function renderVisit(id) {
    var h = household(id);
    if (!h) { view.innerHTML = "<p>" + esc(t("not_on_phone")) + "</p>"; return; }
    if (!h.cadres.length) { view.innerHTML = "<p>" + esc(t("no_cadre")) + "</p>"; return; }
    view.innerHTML = "<h2>" + esc(t("record_visit")) + ": " + esc(h.head) + '</h2><form id="visit-form" class="field-form">' +
      "<label>" + esc(t("cadre")) + ' <select name="cadre">' + cadreOptions(h.cadres) + "</select></label>" +
      "<label>" + esc(t("date")) + ' <input type="date" name="visited_on" required max="' + today() + '" value="' + today() + '"></label>' +
      "<label>" + esc(t("notes")) + ' <textarea name="notes" rows="4"></textarea></label>' + photoField() + gpsFields() +
      '<button type="submit">' + esc(t("save")) + "</button></form>";
    var form = document.getElementById("visit-form");
    wireGps(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      localStorage.setItem("fupin-field-cadre-" + USER, form.elements.cadre.value);
      readPhotos(form).then(function (photos) {
        return enqueue("visit", {household: h.id, cadre: Number(form.elements.cadre.value), visited_on: form.elements.visited_on.value,
          notes: form.elements.notes.value, photos: photos, latitude: form.elements.latitude.value || null,
          longitude: form.elements.longitude.value || null}, t("visit_to", {name: h.head}));
      }).catch(function (error) { notice(error.message, "error"); button.disabled = false; });
    });
  }

  function renderCheckIn() {
    if (!bundle.memberships.length) { view.innerHTML = "<p>" + esc(t("no_membership")) + "</p>"; return; }
    view.innerHTML = "<h2>" + esc(t("check_in")) + '</h2><form id="checkin-form" class="field-form">' +
      "<label>" + esc(t("team_member")) + ' <select name="membership">' + bundle.memberships.map(function (m) {
        return '<option value="' + m.id + '">' + esc(m.cadre) + " · " + esc(m.village_name) + " · " + esc(m.role) + "</option>";
      }).join("") + "</select></label>" +
      "<label>" + esc(t("date")) + ' <input type="date" name="day" required max="' + today() + '" value="' + today() + '"></label>' +
      gpsFields() + '<button type="submit">' + esc(t("save")) + "</button></form>";
    var form = document.getElementById("checkin-form");
    wireGps(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var option = form.elements.membership.selectedOptions[0];
      enqueue("check_in", {membership: Number(form.elements.membership.value), day: form.elements.day.value,
        latitude: form.elements.latitude.value || null, longitude: form.elements.longitude.value || null,
        time: new Date().toISOString()}, t("check_in_of", {name: option.textContent}));
    });
  }

  function choiceSelect(name, value) {
    return '<select name="' + name + '">' + bundle.choices[name].map(function (item) {
      return '<option value="' + esc(item.code) + '"' + (item.code === value ? " selected" : "") + ">" + esc(item.label) + "</option>";
    }).join("") + "</select>";
  }
  function renderMember(id, memberId) {
    var h = household(id);
    var m = h && h.members.filter(function (x) { return String(x.id) === String(memberId); })[0];
    if (!m) { view.innerHTML = "<p>" + esc(t("not_on_phone")) + "</p>"; return; }
    var fields = ["health", "labour", "work_location", "school_status"];
    view.innerHTML = "<h2>" + esc(t("update")) + ": " + esc(m.name) + '</h2><form id="member-form" class="field-form">' +
      fields.map(function (name) { return "<label>" + esc(t(name)) + " " + choiceSelect(name, m[name]) + "</label>"; }).join("") +
      '<button type="submit">' + esc(t("save")) + "</button></form>";
    var form = document.getElementById("member-form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var changes = {};
      fields.forEach(function (name) { if (form.elements[name].value !== (m[name] || "")) changes[name] = form.elements[name].value; });
      if (!Object.keys(changes).length) { notice(t("nothing_changed"), "error"); return; }
      enqueue("member", {member: m.id, household_version: h.version, changes: changes}, t("member_of", {name: m.name}));
    });
  }

  function renderIncome(id) {
    var h = household(id);
    if (!h) { view.innerHTML = "<p>" + esc(t("not_on_phone")) + "</p>"; return; }
    var year = h.year ? h.year.year : new Date().getFullYear();
    var items = ["wage_income", "business_income", "property_income", "transfer_income", "business_expense"];
    view.innerHTML = "<h2>" + esc(t("update_incomes")) + ": " + esc(h.head) + '</h2><form id="income-form" class="field-form">' +
      "<label>" + esc(t("year")) + ' <input type="number" name="year" readonly value="' + year + '"></label>' +
      items.map(function (name) {
        var value = h.year && h.year[name] !== null ? h.year[name] : "";
        return "<label>" + esc(t(name)) + ' <input type="number" min="0" step="0.01" inputmode="decimal" name="' + name + '" value="' + esc(value) + '"></label>';
      }).join("") + '<button type="submit">' + esc(t("save")) + "</button></form>";
    var form = document.getElementById("income-form");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var values = {};
      items.forEach(function (name) { if (form.elements[name].value !== "") values[name] = form.elements[name].value; });
      enqueue("income", {household: h.id, year: year, values: values, read_at: h.year ? h.year.updated_at : null},
              t("incomes_of", {name: h.head}));
    });
  }

  function renderFollowUp(id, taskId) {
    var h = household(id);
    var task = h && h.tasks.filter(function (x) { return String(x.id) === String(taskId); })[0];
    if (!task) { view.innerHTML = "<p>" + esc(t("not_on_phone")) + "</p>"; return; }
    view.innerHTML = "<h2>" + esc(t("follow_up")) + ": " + esc(h.head) + "</h2><p>" + esc(task.message) + '</p><form id="followup-form" class="field-form">' +
      '<label><input type="radio" name="confirmed" value="1"> ' + esc(t("risk_confirmed")) + "</label>" +
      '<label><input type="radio" name="confirmed" value="0" checked> ' + esc(t("risk_not_confirmed")) + "</label>" +
      "<label>" + esc(t("reason")) + ' <textarea name="reason" rows="2"></textarea></label>' +
      "<label>" + esc(t("date")) + ' <input type="date" name="visited_on" required max="' + today() + '" value="' + today() + '"></label>' +
      "<label>" + esc(t("notes")) + ' <textarea name="notes" rows="3"></textarea></label>' + photoField() + gpsFields() +
      '<button type="submit">' + esc(t("save")) + "</button></form>";
    var form = document.getElementById("followup-form");
    wireGps(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      readPhotos(form).then(function (photos) {
        return enqueue("follow_up", {task: task.id, confirmed: form.elements.confirmed.value === "1", reason: form.elements.reason.value,
          visited_on: form.elements.visited_on.value, notes: form.elements.notes.value, photos: photos,
          latitude: form.elements.latitude.value || null, longitude: form.elements.longitude.value || null}, t("follow_up_of", {name: h.head}));
      }).catch(function (error) { notice(error.message, "error"); });
    });
  }

  function serverValues(answer) {
    var server = answer && answer.server;
    if (!server) return "";
    var values = server.labels || server.values || server;
    return '<dl class="server">' + Object.keys(values).map(function (key) {
      return "<dt>" + esc(t(key)) + "</dt><dd>" + esc(values[key] === null ? "—" : values[key]) + "</dd>";
    }).join("") + "</dl>";
  }
  function renderQueue() {
    allEntries().then(function (entries) {
      entries.sort(function (a, b) { return a.recorded_at < b.recorded_at ? 1 : -1; });
      var html = "<h2>" + esc(t("entries")) + "</h2>";
      if (!entries.length) html += "<p>" + esc(t("no_entries")) + "</p>";
      html += '<ul class="field-list entries">';
      entries.forEach(function (entry) {
        var answer = entry.answer || {};
        html += '<li class="entry ' + esc(entry.state) + '" data-id="' + esc(entry.id) + '"><strong>' + esc(entry.label) + "</strong> " +
          '<span class="badge ' + esc(entry.state) + '">' + esc(t("state_" + entry.state)) + "</span>" +
          "<br><small>" + esc(new Date(entry.recorded_at).toLocaleString()) + "</small>" +
          (answer.message ? '<p class="answer">' + esc(answer.message) + "</p>" : "") +
          (answer.far_from_village ? '<p class="badge warn">' + esc(t("far", {distance: answer.distance_m})) + "</p>" : "") +
          (entry.state === "conflict" ? "<p>" + esc(t("server_kept")) + "</p>" + serverValues(answer) : "") +
          (entry.state === "conflict" || entry.state === "refused" ?
            '<button type="button" class="dismiss" data-id="' + esc(entry.id) + '">' + esc(t("dismiss")) + "</button>" : "") +
          "</li>";
      });
      view.innerHTML = html + "</ul>";
      view.querySelectorAll("button.dismiss").forEach(function (button) {
        button.addEventListener("click", function () {
          store("entries", "readwrite", function (s) { s.delete(button.dataset.id); }).then(render);
        });
      });
    });
  }

  // Start ------------------------------------------------------------------------------------------------------
  function network() {
    var badge = document.getElementById("field-network");
    badge.textContent = navigator.onLine ? t("online") : t("offline");
    badge.className = "badge " + (navigator.onLine ? "ok" : "warn");
  }
  window.addEventListener("online", function () { network(); sync(); });
  window.addEventListener("offline", network);
  window.addEventListener("hashchange", render);
  document.getElementById("field-sync").addEventListener("click", function () { sync(); });
  network();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.swUrl, {scope: root.dataset.scope}).catch(function () {});
  }
  getBundle().then(function (saved) {
    if (saved) bundle = saved;
    render();
    refreshCounts();
    root.dataset.ready = "1";
    if (navigator.onLine) return loadData(false).then(sync);
  });
})();
