// o2c credit dashboard: reads the JSON API with the token kept in this tab, and acts through it
// (approve a held order, hold an account, apply a bank line …): each action is one API call with
// that token, offered only when GET /v1/me says the caller's roles allow it; a refusal shows the
// problem's own text. Served as a file (the page's Content-Security-Policy allows no inline
// script), no library, no build step. Charts are SVG elements built here from the API's decimal
// strings; each bar segment carries the exact amount in data-amount.
"use strict";

(() => {
  const TOKEN_KEY = "o2c.dashboard.token";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const LOCALE = navigator.language || "en";
  const PAGE = 20;

  class AuthError extends Error {}
  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  // ---------- small DOM helpers (text only through textContent: no HTML injection) ----------
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = String(v);
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "text") node.textContent = String(v);
      else node.setAttribute(k, String(v));
    }
    for (const child of children.flat(Infinity)) if (child) node.append(child);
    return node;
  }

  // ---------- formatting: locale and currency (the currency's own exponent), ISO dates ----------
  const moneyFormats = new Map();
  function money(amount, currency) {
    if (amount === null || amount === undefined) return "–";
    if (!currency) return String(amount);
    let fmt = moneyFormats.get(currency);
    if (!fmt) {
      try {
        fmt = new Intl.NumberFormat(LOCALE, { style: "currency", currency });
      } catch (_) {
        fmt = { format: (v) => `${v} ${currency}` };
      }
      moneyFormats.set(currency, fmt);
    }
    // A decimal string is formatted exactly (Intl.NumberFormat v3), no float rounding.
    return fmt.format(String(amount));
  }
  const number = (value, digits) =>
    value === null || value === undefined
      ? "–"
      : new Intl.NumberFormat(LOCALE, { maximumFractionDigits: digits }).format(String(value));
  const percent = (value) =>
    value === null || value === undefined
      ? "–"
      : new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 }).format(
          Number(value) / 100,
        );
  const isoDay = (d) => d.toISOString().slice(0, 10);
  const day = (value) => (value ? String(value).slice(0, 10) : "–");
  const stamp = (value) => (value ? String(value).replace("T", " ").slice(0, 19) : "–");

  // ---------- the token and the API ----------
  const token = () => sessionStorage.getItem(TOKEN_KEY);

  // The newest log position one of this tab's commands reached: every read asks the API to
  // have caught up with it (min_position), so the page never shows the state before an action.
  let reached = 0;

  // The one place the page talks to the API: a read (GET) or a command (its JSON body).
  async function call(method, path, options) {
    const { params, body, raw, key } = options || {};
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, String(v));
    }
    if (method === "GET" && reached && !url.searchParams.has("min_position")) url.searchParams.set("min_position", String(reached));
    const headers = { Authorization: `Bearer ${token()}`, Accept: raw ? "*/*" : "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    // One key per form opened: a double click or a retry is answered once, never posted twice.
    if (key) headers["Idempotency-Key"] = key;
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
    });
    if (response.status === 401) throw new AuthError("the token was refused");
    if (!response.ok) throw new ApiError(response.status, await problemText(response));
    if (raw) return response;
    const answer = await response.json();
    if (method !== "GET" && answer && Number.isInteger(answer.position)) reached = Math.max(reached, answer.position);
    return answer;
  }

  // What a refusal says: the problem's detail, and for invalid input which field and why.
  async function problemText(response) {
    let problem = null;
    try {
      problem = await response.json();
    } catch (_) {
      return `${response.status} ${response.statusText}`;
    }
    let text = (problem && (problem.detail || problem.title)) || `${response.status} ${response.statusText}`;
    if (problem && Array.isArray(problem.errors) && problem.errors.length) {
      text += ": " + problem.errors.map((e) => `${(e.loc || []).filter((p) => p !== "body").join(".") || "request"}: ${e.msg}`).join("; ");
    }
    return text;
  }

  const api = (path, params) => call("GET", path, { params });

  function showLogin(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("view").hidden = true;
    $("logout").hidden = true;
    $("who").textContent = "";
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    $("token").focus();
  }

  // ---------- building blocks ----------
  function section(id, title, ...body) {
    const heading = el("h2", { id: `${id}-title`, text: title });
    return el("section", { id, class: "card", "aria-labelledby": `${id}-title` }, heading, body);
  }

  function table(caption, columns, rows, options) {
    const wrap = el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": caption });
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : null, text: c.label })));
    const body = el("tbody");
    for (const row of rows) {
      body.append(
        el(
          "tr",
          (options && options.rowAttrs && options.rowAttrs(row)) || {},
          columns.map((c) => {
            const value = c.value(row);
            return el("td", { class: c.num ? "num" : null }, value instanceof Node ? value : String(value ?? "–"));
          }),
        ),
      );
    }
    wrap.append(el("table", { class: (options && options.class) || null }, el("caption", { class: "sr-only", text: caption }), el("thead", {}, head), body));
    return wrap;
  }

  const customerLink = (id, name) => el("a", { href: `/dashboard/customers/${encodeURIComponent(id)}`, class: "customer-link", text: name || id });

  function failure(err) {
    if (err instanceof AuthError) throw err;
    if (err instanceof ApiError && err.status === 403) return el("p", { class: "notice", text: `Not allowed with this token: ${err.message}` });
    return el("p", { class: "error", text: `Could not load: ${err.message}` });
  }

  // A section whose content is loaded on its own: one failing part never blanks the page.
  async function fill(container, load) {
    const holder = el("div", { class: "loading", text: "Loading…" });
    container.append(holder);
    try {
      // A loader may leave a part out (null), as el() children may; replaceWith would print it.
      const content = [await load()].flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false);
      holder.replaceWith(...content);
    } catch (err) {
      holder.replaceWith(failure(err));
    }
  }

  // A section filled by `load`, again after an action changed what it shows.
  const refreshers = new Map();
  function panel(id, title, load) {
    const box = section(id, title);
    const refresh = () => {
      box.replaceChildren(box.firstChild);
      return fill(box, load);
    };
    refreshers.set(id, refresh);
    return { box, refresh };
  }
  const refresh = (...ids) => Promise.all(ids.filter((id) => refreshers.has(id)).map((id) => refreshers.get(id)()));

  // ---------- what the caller may do: GET /v1/me, read from the API's own role checks ----------
  // The commands this page offers, as the API names their routes.
  const ACTIONS = {
    approve: ["POST", "/v1/orders/{order_id}/approve"],
    reject: ["POST", "/v1/orders/{order_id}/cancel"],
    hold: ["POST", "/v1/customers/{customer_id}/hold"],
    release: ["POST", "/v1/customers/{customer_id}/release"],
    limit: ["POST", "/v1/customers/{customer_id}/credit-limit"],
    applyLine: ["POST", "/v1/bank-lines/{line_id}/apply"],
    promise: ["POST", "/v1/invoices/{invoice_id}/promises"],
    note: ["POST", "/v1/customers/{customer_id}/notes"],
  };
  // How the page names each command when it says who may use it.
  const WHAT = {
    approve: "Approving a held order",
    reject: "Rejecting a held order",
    hold: "Placing an account on credit hold",
    release: "Releasing a credit hold",
    limit: "Changing a credit limit",
    applyLine: "Applying a bank line",
    promise: "Recording a promise to pay",
    note: "Adding a note",
  };
  let me = { actor: "", roles: [], rights: new Map() };

  async function loadMe() {
    const answer = await api("/v1/me");
    const rights = new Map(answer.commands.map((c) => [`${c.method} ${c.path}`, c]));
    me = { actor: answer.actor, roles: answer.roles, rights };
    $("who").textContent = `${answer.actor} · ${answer.roles.join(", ")}`;
  }

  // undefined: the API has no such command (the page offers nothing); else {allowed, roles}.
  const right = (name) => me.rights.get(ACTIONS[name].join(" "));
  // A reader (no role that allows any of this page's commands) is shown no command at all.
  const acts = () => Object.keys(ACTIONS).some((name) => right(name) && right(name).allowed);

  const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
  const fillPath = (template, ids) => template.replace(/\{([a-z_]+)\}/g, (_, k) => encodeURIComponent(ids[k]));

  // The last outcome, in words; after a command also the log position it reached, so a script
  // can read its own write (min_position) as the page does.
  function say(text, kind, position) {
    const box = $("outcome");
    box.className = kind === "error" ? "outcome error" : "outcome";
    box.textContent = text;
    if (position) box.setAttribute("data-position", String(position));
    else box.removeAttribute("data-position");
  }

  // One command: a button that opens a small form (its fields, Confirm, Cancel); Confirm sends
  // ONE request with the signed-in user's token. Done: `done(answer)` refreshes what it changed.
  // Not allowed: the button stays, disabled, with the reason the API gives (the roles needed).
  function action(spec) {
    const r = right(spec.name);
    if (!r || !acts()) return null;
    const wrap = el("span", { class: "act-wrap" });
    const button = el("button", { type: "button", class: `act ${spec.kind || ""}`, "data-action": spec.name, text: spec.label });
    wrap.append(button);
    if (!r.allowed) {
      button.disabled = true;
      const why = whyNot(spec.name);
      // In a table the reason is said once under it (whyNotes); each button still carries it.
      const note = el("span", { class: spec.compact ? "why sr-only" : "why", id: `why-${spec.name}-${newKey()}`, text: why });
      button.setAttribute("aria-describedby", note.id);
      button.title = why;
      wrap.append(note);
      return wrap;
    }
    button.addEventListener("click", () => {
      const open = wrap.querySelector("form.act-form");
      if (open) {
        open.remove();
        return;
      }
      wrap.append(actionForm(spec, () => button.focus()));
    });
    return wrap;
  }

  function whyNot(name) {
    const r = right(name);
    return `${WHAT[name]} needs the role ${r.roles.join(" or ")}; you are ${me.actor} (${me.roles.join(", ")}).`;
  }

  // Under a table of rows with commands: why the disabled ones are disabled, said once.
  function whyNotes(...names) {
    if (!acts()) return [];
    return names.filter((n) => right(n) && !right(n).allowed).map((n) => el("p", { class: "why", "data-why": n, text: whyNot(n) }));
  }

  function actionForm(spec, back) {
    const key = newKey();
    const inputs = (spec.fields || []).map((f) => {
      const id = `f-${spec.name}-${f.name}-${key}`;
      const input = el(f.multiline ? "textarea" : "input", {
        id,
        name: f.name,
        type: f.multiline ? null : "text",
        value: f.multiline ? null : f.value ?? "",
        required: !!f.required,
        placeholder: f.placeholder || (f.date ? "YYYY-MM-DD" : null),
        pattern: f.date ? "\\d{4}-\\d{2}-\\d{2}" : null,
        inputmode: f.amount ? "decimal" : f.date ? "numeric" : null,
        size: f.date ? 10 : f.amount ? 12 : null,
        rows: f.multiline ? 2 : null,
        spellcheck: "false",
      });
      if (f.multiline && f.value) input.value = f.value;
      return { f, input, label: el("label", { for: id, text: f.required ? f.label : `${f.label} (optional)` }) };
    });
    const error = el("p", { class: "error", role: "alert" });
    const confirm = el("button", { type: "submit", class: "confirm", text: spec.confirm || spec.label });
    const cancel = el("button", { type: "button", class: "cancel secondary", text: "Cancel" });
    const form = el("form", { class: "act-form", "aria-label": WHAT[spec.name] }, inputs.map((i) => el("div", { class: "field" }, i.label, i.input)), el("div", { class: "buttons" }, confirm, cancel), error);
    cancel.addEventListener("click", () => {
      form.remove();
      back();
    });
    form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") cancel.click();
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = {};
      for (const { f, input } of inputs) {
        const value = input.value.trim();
        if (value !== "") body[f.name] = f.number ? Number(value) : value;
      }
      Object.assign(body, spec.body || {});
      confirm.disabled = true;
      error.textContent = "";
      say("");
      form.setAttribute("aria-busy", "true");
      try {
        const [method, template] = ACTIONS[spec.name];
        const answer = await call(method, fillPath(template, spec.ids), { body, key });
        form.remove();
        say(spec.done ? spec.done(answer) : `${WHAT[spec.name]}: done.`, "done", answer && answer.position);
        if (spec.after) await spec.after(answer);
      } catch (err) {
        if (err instanceof AuthError) return showLogin("The token was refused: paste a valid one.");
        error.textContent = err.message;
        confirm.disabled = false;
      } finally {
        form.removeAttribute("aria-busy");
      }
    });
    queueMicrotask(() => (inputs.length ? inputs[0].input : confirm).focus());
    return form;
  }

  // ---------- files: a PDF or CSV fetched with the token, saved under the API's file name ----------
  function fileName(disposition, fallback) {
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition || "");
    return match ? decodeURIComponent(match[1]) : fallback;
  }

  function download(label, path, params, fallback, kind) {
    const button = el("button", { type: "button", class: `download secondary ${kind || ""}`, "data-download": path, text: label });
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const response = await call("GET", path, { params: typeof params === "function" ? params() : params, raw: true });
        const blob = await response.blob();
        const href = URL.createObjectURL(blob);
        const link = el("a", { href, download: fileName(response.headers.get("Content-Disposition"), fallback), hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(href), 60000);
        say(`Downloaded ${link.download}.`);
      } catch (err) {
        if (err instanceof AuthError) return showLogin("The token was refused: paste a valid one.");
        say(`Could not download ${label}: ${err.message}`, "error");
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  // A paged list: "Next page" / "Previous page" buttons over the API's `next` cursors.
  function pager(render, fetchPage) {
    const box = el("div", { class: "paged" });
    const cursors = [null];
    let index = 0;
    async function show() {
      box.setAttribute("aria-busy", "true");
      try {
        const page = await fetchPage(cursors[index]);
        cursors[index + 1] = page.next || null;
        const prev = el("button", { type: "button", class: "prev", text: "Previous page", disabled: index === 0, onclick: () => { index -= 1; show(); } });
        const next = el("button", { type: "button", class: "next", text: "Next page", disabled: !page.next, onclick: () => { index += 1; show(); } });
        const shown = [render(page)].flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false);
        box.replaceChildren(...shown, el("div", { class: "pager" }, prev, el("span", { class: "muted", text: `page ${index + 1}` }), next));
      } catch (err) {
        box.replaceChildren(failure(err));
      } finally {
        box.removeAttribute("aria-busy");
      }
    }
    return show().then(() => box);
  }

  // ---------- the aging chart: one stacked bar per currency, a segment per bucket ----------
  // Each bar is its own SVG, sized in CSS pixels (height) and percent (segments), so labels
  // keep their size from phone to desktop. Negative buckets (credit balances) draw no segment
  // but keep their exact amount in data-amount like every other bucket.
  function agingBar(row, caption) {
    const positive = row.totals.reduce((s, b) => s + Math.max(0, Number(b.amount)), 0);
    const bar = svg("svg", {
      class: "aging-chart",
      width: "100%",
      height: 28,
      role: "img",
      "aria-label": `${caption}, ${row.currency}: ${row.totals.map((b) => `${b.label} ${money(b.amount, row.currency)}`).join("; ")}`,
      "data-currency": row.currency,
      "data-total": row.total,
    });
    let x = 0;
    row.totals.forEach((bucket, b) => {
      const w = positive > 0 ? (Math.max(0, Number(bucket.amount)) / positive) * 100 : 0;
      const rect = svg("rect", {
        x: `${x.toFixed(3)}%`,
        y: 0,
        width: `${w.toFixed(3)}%`,
        height: 28,
        class: `seg b${Math.min(b, 5)}`,
        "data-currency": row.currency,
        "data-bucket": bucket.label,
        "data-amount": bucket.amount,
      });
      rect.append(svg("title", { text: `${row.currency} ${bucket.label}: ${money(bucket.amount, row.currency)}` }));
      bar.append(rect);
      x += w;
    });
    bar.setAttribute("data-ready", "true");
    return el("div", { class: "aging-row" }, el("span", { class: "aging-currency", text: row.currency }), bar);
  }

  function agingLegend(labels) {
    return el("ul", { class: "legend" }, labels.map((label, b) => el("li", {}, el("span", { class: `swatch b${Math.min(b, 5)}`, "aria-hidden": "true" }), label)));
  }

  // Buckets down, currencies across: narrow enough for a phone and a half-width card.
  function agingTable(rows, caption) {
    const labels = rows[0].totals.map((b) => b.label);
    const lines = [...labels.map((label, i) => ({ label, cells: rows.map((r) => money(r.totals[i].amount, r.currency)) })), { label: "Total", total: true, cells: rows.map((r) => money(r.total, r.currency)) }];
    const columns = [
      { label: "Bucket", value: (l) => (l.total ? el("strong", { text: l.label }) : l.label) },
      ...rows.map((r, i) => ({ label: r.currency, num: true, value: (l) => (l.total ? el("strong", { text: l.cells[i] }) : l.cells[i]) })),
    ];
    return table(caption, columns, lines, { class: "aging-table" });
  }

  function agingBlock(rows, caption) {
    if (!rows.length) return el("p", { class: "muted", text: "No open receivables." });
    const labels = rows[0].totals.map((b) => b.label);
    return [el("figure", { class: "chart" }, rows.map((r) => agingBar(r, caption)), el("figcaption", {}, agingLegend(labels))), agingTable(rows, caption)];
  }

  // ---------- the portfolio page ----------
  const KPI_NAMES = [
    ["dso", "DSO (days)", (v) => number(v, 1)],
    ["best_possible_dso", "Best possible DSO (days)", (v) => number(v, 1)],
    ["average_days_delinquent", "Average days delinquent", (v) => number(v, 1)],
    ["cei", "CEI", (v) => percent(v)],
    ["overdue_share", "Overdue share", (v) => percent(v)],
  ];

  async function kpis() {
    const k = await api("/v1/kpis");
    const cards = k.by_currency.map((f) =>
      el(
        "div",
        { class: "kpi-set", "data-currency": f.currency },
        el("h3", { text: f.currency }),
        el(
          "dl",
          { class: "kpis" },
          KPI_NAMES.map(([key, label, fmt]) => el("div", { class: "kpi", "data-kpi": key }, el("dt", { text: label }), el("dd", { text: fmt(f[key]) }))),
          el("div", { class: "kpi" }, el("dt", { text: "Closing AR" }), el("dd", { text: money(f.closing_ar, f.currency) })),
          el("div", { class: "kpi" }, el("dt", { text: "Credit sales" }), el("dd", { text: money(f.credit_sales, f.currency) })),
        ),
      ),
    );
    const formulas = el(
      "details",
      { class: "formulas", open: true },
      el("summary", { text: "How these are computed" }),
      el("dl", {}, Object.entries(k.formulas || {}).map(([key, formula]) => [el("dt", { text: key }), el("dd", { text: formula })])),
      el("p", { class: "muted", text: `N = ${k.days} days; opening AR is taken the day before ${k.from}.` }),
    );
    return [el("p", { class: "muted", text: `Period ${k.from} to ${k.to} (${k.days} days).` }), cards.length ? el("div", { class: "kpi-grid" }, cards) : el("p", { class: "muted", text: "No sales in the period." }), formulas];
  }

  async function portfolioAging() {
    const aging = await api("/v1/aging", { limit: 1 });
    const rows = aging.by_currency.map((c) => ({ currency: c.currency, total: c.total, totals: c.totals }));
    return [
      el("p", { class: "muted" }, `As of ${aging.as_of}, by ${aging.basis} date. `, download("Export aging (CSV)", "/v1/aging.csv", { as_of: aging.as_of }, `aging-${aging.as_of}.csv`, "csv")),
      agingBlock(rows, `Portfolio aging as of ${aging.as_of}`),
    ];
  }

  async function allExposures() {
    const items = [];
    let after = null;
    for (let i = 0; i < 10; i += 1) {
      const page = await api("/v1/credit-exposure", { limit: 1000, after });
      items.push(...page.items);
      after = page.next;
      if (!after) break;
    }
    return items;
  }

  async function exposures(names) {
    const items = await allExposures();
    const byCurrency = new Map();
    for (const item of items) {
      if (!byCurrency.has(item.currency)) byCurrency.set(item.currency, []);
      byCurrency.get(item.currency).push(item);
    }
    const columns = [
      { label: "Customer", value: (r) => customerLink(r.customer_id, names.get(r.customer_id)) },
      { label: "Exposure", num: true, value: (r) => money(r.exposure, r.currency) },
      { label: "Limit", num: true, value: (r) => money(r.credit_limit, r.currency) },
      { label: "Used", num: true, value: (r) => percent(r.utilization) },
      { label: "Flags", value: (r) => [r.over_limit ? "over limit" : "", r.on_hold ? "on hold" : ""].filter(Boolean).join(", ") || "–" },
    ];
    const top = [...byCurrency.entries()].sort().map(([currency, list]) => {
      list.sort((a, b) => Number(b.exposure) - Number(a.exposure));
      return [el("h3", { text: `Top exposures, ${currency}` }), table(`Top exposures in ${currency}`, columns, list.slice(0, 10))];
    });
    const over = items.filter((i) => i.over_limit);
    over.sort((a, b) => (a.currency === b.currency ? Number(b.exposure) - Number(a.exposure) : a.currency < b.currency ? -1 : 1));
    return [
      top.length ? top : el("p", { class: "muted", text: "No customers." }),
      el("h3", { id: "over-limit-title", text: `Over their credit limit (${over.length})` }),
      over.length ? table("Customers over their credit limit", columns, over) : el("p", { class: "muted", text: "No customer is over the limit." }),
    ];
  }

  // How the rows are ranked: as the API states it, else as its rows show it.
  function worklistOrder(page) {
    if (page.sorted_by) return `Sorted by ${page.sorted_by}.`;
    if (page.items.some((r) => r.score !== undefined && r.score !== null)) return "Sorted by priority score, highest first; open a score to see the components it came from.";
    return "Sorted by open amount × days past due, highest first (the amount that has waited longest leads).";
  }

  function scoreCell(r) {
    if (r.score === undefined || r.score === null) return "–";
    const parts = Object.entries(r.components || {});
    if (!parts.length) return number(r.score, 2);
    return el(
      "details",
      { class: "score", "data-score": r.score },
      el("summary", { text: number(r.score, 2) }),
      el("dl", {}, parts.map(([k, v]) => el("div", { "data-component": k }, el("dt", { text: k.replaceAll("_", " ") }), el("dd", { text: v === null || v === undefined ? "–" : typeof v === "object" ? JSON.stringify(v) : String(v) })))),
    );
  }

  function promise(r, after) {
    return action({
      name: "promise",
      compact: true,
      label: "Promise",
      ids: { invoice_id: r.invoice_id },
      fields: [
        { name: "promised_on", label: "Promised for", date: true, required: true },
        { name: "amount", label: `Amount (${r.currency}; default the open amount)`, amount: true },
        { name: "note", label: "Note" },
      ],
      confirm: "Record promise",
      done: (a) => `Promise to pay ${r.number} recorded${a && a.promised_on ? ` for ${a.promised_on}` : ""}.`,
      after,
    });
  }

  function worklist() {
    const columns = [
      { label: "Customer", value: (r) => customerLink(r.customer_id, r.customer_name) },
      { label: "Invoice", value: (r) => r.number },
      { label: "Open", num: true, value: (r) => money(r.open_amount, r.currency) },
      { label: "Due", value: (r) => day(r.due_on) },
      { label: "Days late", num: true, value: (r) => number(r.days_past_due, 0) },
      { label: "Dunning", num: true, value: (r) => r.dunning_level },
      { label: "Disputed", value: (r) => (r.disputed ? "yes" : "") },
    ];
    const scored = { label: "Score", num: true, value: scoreCell };
    const promised = { label: "Promised", value: (r) => (r.promise ? `${day(r.promise.promised_on)}${r.promise.status && r.promise.status !== "pending" ? ` (${r.promise.status})` : ""}` : "") };
    const chase = { label: "Act", value: (r) => promise(r, () => refresh("worklist")) || "–" };
    return Promise.all([
      el("p", { class: "toolbar" }, download("Export worklist (CSV)", "/v1/collections/worklist.csv", {}, "worklist.csv", "csv")),
      pager(
        (page) => {
          const cols = [...columns];
          if (page.items.some((r) => r.score !== undefined)) cols.push(scored);
          if (page.items.some((r) => r.promise !== undefined)) cols.push(promised);
          if (right("promise") && acts()) cols.push(chase);
          return [
            el("p", { class: "muted sorted", text: worklistOrder(page) }),
            page.items.length ? [table("Collections worklist", cols, page.items, { rowAttrs: (r) => ({ "data-invoice-id": r.invoice_id }) }), whyNotes("promise")] : el("p", { class: "muted", text: "Nothing overdue." }),
            followUps(page.follow_ups),
          ];
        },
        (after) => api("/v1/collections/worklist", { limit: PAGE, after }),
      ),
    ]);
  }

  // Customers whose latest note asked to follow up by today, when the worklist lists them.
  function followUps(list) {
    if (!list || !list.length) return null;
    return [
      el("h3", { text: `Follow-ups due (${list.length})` }),
      el("ul", { class: "follow-ups" }, list.map((f) => el("li", { "data-customer-id": f.customer_id }, customerLink(f.customer_id, f.customer_name), ` · ${day(f.follow_up_on)}: ${f.text}`))),
    ];
  }

  // ---------- held orders: approve (credit) or reject (cancel what is not shipped) ----------
  function orderDecisions(r, after) {
    const acts = [
      action({
        name: "approve",
        compact: true,
        label: "Approve",
        ids: { order_id: r.order_id },
        fields: [{ name: "reason", label: "Reason", value: "approved by credit manager", required: true }],
        confirm: "Approve order",
        done: () => `Order of ${money(r.total, r.currency)} approved.`,
        after,
      }),
      action({
        name: "reject",
        compact: true,
        label: "Reject",
        kind: "danger",
        ids: { order_id: r.order_id },
        fields: [{ name: "reason", label: "Reason", value: "credit refused", required: true }],
        confirm: "Reject order",
        done: () => `Order of ${money(r.total, r.currency)} rejected (cancelled).`,
        after,
      }),
    ].filter(Boolean);
    return acts.length ? el("div", { class: "acts" }, acts) : "–";
  }

  function heldOrders(names, customerId) {
    const after = () => refresh("held", "exposure", "account");
    const columns = [
      ...(customerId ? [] : [{ label: "Customer", value: (r) => customerLink(r.customer_id, names.get(r.customer_id)) }]),
      { label: "Ordered", value: (r) => day(r.ordered_on) },
      { label: "Total", num: true, value: (r) => money(r.total, r.currency) },
      { label: "Why held", value: (r) => r.hold_reason || "–" },
    ];
    if (acts()) columns.push({ label: "Decision", value: (r) => orderDecisions(r, after) });
    return pager(
      (page) =>
        page.items.length
          ? [table("Orders on credit hold", columns, page.items, { class: "held-orders", rowAttrs: (r) => ({ "data-order-id": r.order_id }) }), whyNotes("approve", "reject")]
          : el("p", { class: "muted", text: "No order is on credit hold." }),
      (after) => api("/v1/orders", { status: "credit_hold", customer_id: customerId, limit: PAGE, after }),
    );
  }

  // A queued line's suggestions as a clerk knows them: the customer's name, the invoices'
  // numbers; each can be applied (one call: the suggestion's index).
  function suggestions(line) {
    if (!line.suggestions || !line.suggestions.length) return "–";
    return el(
      "ol",
      { class: "suggestions" },
      line.suggestions.map((s, n) =>
        el(
          "li",
          { "data-suggestion": n },
          customerLink(s.customer_id, s.customer_name || "a customer not yet known here"),
          ` · ${s.invoice_numbers.length ? s.invoice_numbers.map((x) => x || "an invoice not yet known here").join(", ") : "on account"} · score ${number(s.score, 2)} `,
          action({
            name: "applyLine",
            compact: true,
            label: "Apply",
            ids: { line_id: line.id },
            body: { suggestion: n },
            fields: [{ name: "received_on", label: `Received on (default ${day(line.booked_on)})`, date: true }],
            confirm: `Apply ${money(line.amount, line.currency)} to ${s.customer_name || "this customer"}`,
            done: () => `${money(line.amount, line.currency)} applied to ${s.invoice_numbers.join(", ") || `${s.customer_name}'s account`}.`,
            after: () => refresh("bank", "worklist", "aging", "exposure"),
          }),
        ),
      ),
    );
  }

  async function bankQueue() {
    let page;
    try {
      page = await api("/v1/bank-lines", { status: "unmatched", limit: PAGE });
    } catch (err) {
      if (err instanceof ApiError && err.status !== 403) return el("p", { class: "muted", text: "No bank statements imported." });
      throw err;
    }
    if (!page.items.length) return el("p", { class: "muted", text: "No unmatched bank lines." });
    const columns = [
      { label: "Booked", value: (r) => day(r.booked_on) },
      { label: "Amount", num: true, value: (r) => money(r.amount, r.currency) },
      { label: "Payer", value: (r) => r.payer_name || r.payer_iban || "–" },
      { label: "Remittance", value: (r) => r.remittance || "–" },
      { label: "Suggestions", value: suggestions },
    ];
    return [table("Unmatched bank lines", columns, page.items, { class: "bank-lines", rowAttrs: (r) => ({ "data-line-id": r.id }) }), whyNotes("applyLine"), page.next ? el("p", { class: "muted", text: "More lines are waiting; showing the first page." }) : null];
  }

  // ---------- finding a customer: GET /v1/customers?q= (name, number, VAT ID, e-mail) ----------
  function search() {
    const input = el("input", { id: "q", name: "q", type: "search", required: true, maxlength: 200, placeholder: "name, number, VAT ID or e-mail", spellcheck: "false" });
    const results = el("div", { id: "search-results", "aria-live": "polite" });
    const form = el(
      "form",
      { class: "inline search", role: "search" },
      el("label", { for: "q", text: "Find a customer" }),
      input,
      el("button", { type: "submit", text: "Search" }),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      results.setAttribute("aria-busy", "true");
      try {
        const page = await api("/v1/customers", { q, limit: PAGE });
        const found = page.items.map((c) => el("li", {}, customerLink(c.customer_id, c.name), el("span", { class: "muted", text: [c.customer_number, c.currency, c.on_hold ? "on hold" : "", c.closed ? "closed" : ""].filter(Boolean).join(" · ") })));
        results.replaceChildren(
          found.length ? el("ul", { class: "found" }, found) : el("p", { class: "muted", text: `No customer matches “${q}”.` }),
          ...(page.next ? [el("p", { class: "muted", text: `Showing the first ${page.items.length}; refine the search to see others.` })] : []),
        );
      } catch (err) {
        results.replaceChildren(failure(err));
      } finally {
        results.removeAttribute("aria-busy");
      }
    });
    return el("div", { class: "card search-card" }, form, results);
  }

  async function customerNames() {
    const names = new Map();
    let after = null;
    for (let i = 0; i < 10; i += 1) {
      const page = await api("/v1/customers", { limit: 1000, after });
      for (const c of page.items) names.set(c.customer_id, c.name);
      after = page.next;
      if (!after) break;
    }
    return names;
  }

  async function portfolioPage(view) {
    document.title = "o2c · portfolio";
    view.append(el("h1", { text: "Portfolio" }), search());
    const names = customerNames();
    const grid = el("div", { class: "grid" });
    const parts = [
      panel("aging", "Aging by bucket", portfolioAging),
      panel("kpis", "KPIs", kpis),
      panel("held", "Orders on credit hold", async () => heldOrders(await names)),
      panel("exposure", "Credit exposure", async () => exposures(await names)),
      panel("worklist", "Collections worklist", worklist),
      panel("bank", "Bank exceptions", bankQueue),
    ];
    grid.append(...parts.map((p) => p.box));
    view.append(grid);
    await Promise.all(parts.map((p) => p.refresh()));
  }

  // ---------- the customer page ----------
  async function account(id) {
    const c = await api(`/v1/customers/${id}`);
    document.title = `o2c · ${c.name}`;
    $("customer-name").textContent = c.name;
    const x = c.credit_exposure;
    const terms = c.payment_terms;
    const facts = [
      ["Currency", c.currency],
      ["Credit limit", money(c.credit_limit, c.currency)],
      ["AR balance", money(c.ar_balance, c.currency)],
      ["Open orders", money(c.open_orders, c.currency)],
      ["Unapplied cash", money(c.unapplied_cash, c.currency)],
      ["Exposure", money(x.exposure, c.currency)],
      ["Available", money(x.available, c.currency)],
      ["Terms", `net ${terms.net_days}${terms.discount_percent ? `, ${terms.discount_percent} % in ${terms.discount_days} days` : ""}`],
      ["Status", [c.closed ? "closed" : "open", c.on_hold ? `on hold (${c.hold_reason || "no reason"})` : "", x.over_limit ? "over limit" : ""].filter(Boolean).join(", ")],
      ["Opened", day(c.opened_at)],
    ];
    return [el("dl", { class: "facts" }, facts.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: v })))), accountActions(c)];
  }

  // Credit decisions on the account and notes: each one API call, then the account is re-read.
  function accountActions(c) {
    const id = c.customer_id;
    const after = () => refresh("account", "held", "customer-aging", "history");
    const found = [
      action({
        name: "limit",
        label: "Change credit limit",
        ids: { customer_id: id },
        fields: [
          { name: "credit_limit", label: `New credit limit (${c.currency})`, amount: true, required: true, value: c.credit_limit },
          { name: "reason", label: "Reason", required: true },
        ],
        confirm: "Set limit",
        done: (a) => `Credit limit of ${c.name} changed${a && a.credit_limit ? ` to ${money(a.credit_limit, c.currency)}` : ""}.`,
        after,
      }),
      c.on_hold
        ? action({
            name: "release",
            label: "Release credit hold",
            ids: { customer_id: id },
            fields: [{ name: "reason", label: "Reason", required: true }],
            confirm: "Release hold",
            done: () => `${c.name} is off credit hold; orders held only by the hold were checked again.`,
            after,
          })
        : action({
            name: "hold",
            label: "Place on credit hold",
            kind: "danger",
            ids: { customer_id: id },
            fields: [{ name: "reason", label: "Reason", required: true }],
            confirm: "Place hold",
            done: () => `${c.name} is on credit hold.`,
            after,
          }),
      action({
        name: "note",
        label: "Add note",
        ids: { customer_id: id },
        fields: [
          { name: "text", label: "Note", multiline: true, required: true },
          { name: "follow_up_on", label: "Follow up on", date: true },
        ],
        confirm: "Save note",
        done: () => `Note on ${c.name} saved.`,
        after: () => refresh("notes", "history"),
      }),
    ].filter(Boolean);
    return found.length ? el("div", { class: "acts account-acts" }, found) : null;
  }

  async function customerAging(id) {
    const a = await api(`/v1/customers/${id}/aging`);
    const rows = a.currency ? [{ currency: a.currency, total: a.total, totals: a.buckets }] : [];
    return [el("p", { class: "muted", text: `As of ${a.as_of}, by ${a.basis} date.` }), agingBlock(rows, `Aging as of ${a.as_of}`)];
  }

  // An invoice's letters: the invoice itself and each reminder it was sent.
  function letters(r) {
    const files = [download("Invoice PDF", `/v1/invoices/${r.invoice_id}/pdf`, {}, `${r.number}.pdf`, "pdf")];
    for (let level = 1; level <= (r.dunning_level || 0); level += 1) {
      files.push(download(`Reminder ${level}`, `/v1/invoices/${r.invoice_id}/reminders/${level}/pdf`, {}, `${r.number}-reminder-${level}.pdf`, "pdf"));
    }
    return el("div", { class: "files" }, files);
  }

  function openItems(id) {
    const columns = [
      { label: "Invoice", value: (r) => r.number },
      { label: "Issued", value: (r) => day(r.issued_on) },
      { label: "Due", value: (r) => day(r.due_on) },
      { label: "Days late", num: true, value: (r) => number(r.days_past_due, 0) },
      { label: "Total", num: true, value: (r) => money(r.total, r.currency) },
      { label: "Open", num: true, value: (r) => money(r.open_amount, r.currency) },
      { label: "Dunning", num: true, value: (r) => r.dunning_level },
      { label: "Disputed", value: (r) => (r.disputed ? "yes" : "") },
      { label: "Letters", value: letters },
    ];
    if (right("promise") && acts()) columns.push({ label: "Act", value: (r) => promise(r, () => refresh("open-items", "history")) });
    return pager(
      (page) => (page.items.length ? [table("Open items", columns, page.items, { class: "open-items", rowAttrs: (r) => ({ "data-invoice-id": r.invoice_id }) }), whyNotes("promise")] : el("p", { class: "muted", text: "No open items." })),
      (after) => api(`/v1/customers/${id}/open-items`, { limit: PAGE, after }),
    );
  }

  function statement(id) {
    const to = new Date();
    const from = new Date(to.getTime() - 89 * 86400000);
    const box = el("div");
    const fromInput = el("input", { type: "text", id: "st-from", value: isoDay(from), required: true, pattern: "\\d{4}-\\d{2}-\\d{2}", placeholder: "YYYY-MM-DD", inputmode: "numeric", size: 10 });
    const toInput = el("input", { type: "text", id: "st-to", value: isoDay(to), required: true, pattern: "\\d{4}-\\d{2}-\\d{2}", placeholder: "YYYY-MM-DD", inputmode: "numeric", size: 10 });
    const body = el("div");
    const load = async () => {
      body.replaceChildren(
        await pager(
          (s) => {
            const columns = [
              { label: "Date", value: (r) => day(r.date) },
              { label: "Kind", value: (r) => r.kind.replaceAll("_", " ") },
              { label: "Reference", value: (r) => r.reference },
              { label: "Debit", num: true, value: (r) => (Number(r.debit) ? money(r.debit, s.currency) : "") },
              { label: "Credit", num: true, value: (r) => (Number(r.credit) ? money(r.credit, s.currency) : "") },
              { label: "Balance", num: true, value: (r) => money(r.balance, s.currency) },
              { label: "Document", value: (r) => (r.kind === "credit_note" && r.credit_note_id ? download("Credit note PDF", `/v1/credit-notes/${r.credit_note_id}/pdf`, {}, `${r.reference || "credit-note"}.pdf`, "pdf") : r.kind === "invoice" ? download("Invoice PDF", `/v1/invoices/${r.document_id}/pdf`, {}, `${r.reference}.pdf`, "pdf") : "") },
            ];
            return [
              el("p", {}, `Opening balance ${s.from}: `, el("strong", { text: money(s.opening_balance, s.currency) }), ` · closing balance ${s.to}: `, el("strong", { text: money(s.closing_balance, s.currency) })),
              s.lines.length ? table("Statement lines", columns, s.lines) : el("p", { class: "muted", text: "No movements in the period." }),
            ];
          },
          (after) => api(`/v1/customers/${id}/statement`, { from: fromInput.value, to: toInput.value, limit: PAGE * 2, after }),
        ),
      );
    };
    const form = el(
      "form",
      { class: "inline", onsubmit: (e) => { e.preventDefault(); load(); } },
      el("label", { for: "st-from", text: "From" }), fromInput,
      el("label", { for: "st-to", text: "To" }), toInput,
      el("button", { type: "submit", text: "Show" }),
      download("Statement PDF", `/v1/customers/${id}/statement.pdf`, () => ({ from: fromInput.value, to: toInput.value }), "statement.pdf", "pdf"),
    );
    box.append(form, body);
    return load().then(() => box);
  }

  function history(id) {
    const columns = [
      { label: "Recorded", value: (r) => stamp(r.time) },
      { label: "Event", value: (r) => String(r.type).replace(/^o2c\./, "").replace(/\.v\d+$/, "") },
      { label: "By", value: (r) => r.o2cactor || "–" },
      { label: "Position", num: true, value: (r) => r.o2cposition },
    ];
    return pager(
      (page) => (page.events.length ? table("Audit history", columns, page.events) : el("p", { class: "muted", text: "No events." })),
      (after) => api(`/v1/audit/customers/${id}/events`, { limit: PAGE * 2, after: after ?? 0 }).then((p) => ({ ...p, next: p.next ?? null })),
    );
  }

  // A customer's notes, newest first (shown where the API keeps notes).
  function notes(id) {
    const columns = [
      { label: "Noted", value: (r) => day(r.noted_on) },
      { label: "By", value: (r) => r.author || "–" },
      { label: "Note", value: (r) => el("span", { class: "note-text", text: r.text }) },
      { label: "Follow up", value: (r) => day(r.follow_up_on) },
    ];
    return pager(
      (page) => (page.items.length ? table("Notes", columns, page.items, { class: "notes" }) : el("p", { class: "muted", text: "No notes yet." })),
      (after) => api(`/v1/customers/${id}/notes`, { limit: PAGE, after }),
    );
  }

  async function customerPage(view, id) {
    view.append(
      el("p", { class: "crumbs" }, el("a", { href: "/dashboard", text: "← Portfolio" })),
      el("h1", { id: "customer-name", text: "Customer" }),
      search(),
    );
    const grid = el("div", { class: "grid" });
    const parts = [
      panel("account", "Account", () => account(id)),
      panel("customer-aging", "Aging", () => customerAging(id)),
      panel("held", "Orders on credit hold", () => heldOrders(null, id)),
      panel("open-items", "Open items", () => openItems(id)),
      ...(right("note") ? [panel("notes", "Notes", () => notes(id))] : []),
      panel("statement", "Statement", () => statement(id)),
      panel("history", "Audit history", () => history(id)),
    ];
    grid.append(...parts.map((p) => p.box));
    view.append(grid);
    await Promise.all(parts.map((p) => p.refresh()));
  }

  // ---------- start ----------
  async function render() {
    const view = $("view");
    const status = $("status");
    const outcome = $("outcome");
    outcome.textContent = "";
    view.replaceChildren(status, outcome);
    view.hidden = false;
    $("login").hidden = true;
    $("logout").hidden = false;
    status.textContent = "Loading…";
    const match = window.location.pathname.match(/^\/dashboard\/customers\/([0-9a-fA-F-]{36})$/);
    refreshers.clear();
    try {
      await loadMe();
      if (match) await customerPage(view, match[1]);
      else await portfolioPage(view);
      status.textContent = `Loaded ${new Date().toISOString().slice(0, 19).replace("T", " ")} UTC`;
      document.body.setAttribute("data-loaded", "true");
    } catch (err) {
      if (err instanceof AuthError) showLogin("The token was refused: paste a valid one.");
      else status.textContent = `Could not load: ${err.message}`;
    }
  }

  // A token handed over in the URL fragment (`make run`'s link, the OpenID Connect login, a
  // script) is kept for the tab and removed from the address bar, so it is not bookmarked or
  // left in the history. Fragments never reach a server.
  function takeFragment() {
    const fragment = new URLSearchParams(window.location.hash.slice(1));
    const handed = fragment.get("token");
    const error = fragment.get("login-error");
    if (handed === null && error === null) return {};
    if (handed) sessionStorage.setItem(TOKEN_KEY, handed.trim());
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    return { error };
  }

  function start() {
    $("login-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const value = $("token").value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      $("token").value = "";
      render();
    });
    $("logout").addEventListener("click", () => showLogin(""));
    const handed = takeFragment();
    if (handed.error) showLogin(handed.error);
    else if (token()) render();
    else showLogin("");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
