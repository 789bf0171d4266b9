// o2c credit dashboard: reads the JSON API with the token kept in this tab; never writes.
// Served as a file (the page's Content-Security-Policy allows no inline script), no library,
// no build step. Charts are SVG elements built here from the API's decimal strings; each bar
// segment carries the exact amount in data-amount.
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

  async function api(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, String(v));
    }
    const response = await fetch(url, {
      method: "GET",
      headers: { Authorization: `Bearer ${token()}`, Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
    });
    if (response.status === 401) throw new AuthError("the token was refused");
    if (!response.ok) {
      let detail = response.statusText;
      try {
        detail = (await response.json()).detail || detail;
      } catch (_) {
        /* not problem+json */
      }
      throw new ApiError(response.status, detail);
    }
    return response.json();
  }

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
          {},
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
        box.replaceChildren(...[render(page)].flat(Infinity), el("div", { class: "pager" }, prev, el("span", { class: "muted", text: `page ${index + 1}` }), next));
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
    return [el("p", { class: "muted", text: `As of ${aging.as_of}, by ${aging.basis} date.` }), agingBlock(rows, `Portfolio aging as of ${aging.as_of}`)];
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
    return pager(
      (page) => (page.items.length ? table("Collections worklist", columns, page.items) : el("p", { class: "muted", text: "Nothing overdue." })),
      (after) => api("/v1/collections/worklist", { limit: PAGE, after }),
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
      { label: "Best suggestion", value: (r) => (r.suggestions && r.suggestions.length ? customerLink(r.suggestions[0].customer_id, `customer ${r.suggestions[0].customer_id.slice(0, 8)}…`) : "–") },
    ];
    return [table("Unmatched bank lines", columns, page.items), page.next ? el("p", { class: "muted", text: "More lines are waiting; showing the first page." }) : null];
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
    view.append(el("h1", { text: "Portfolio" }));
    const grid = el("div", { class: "grid" });
    const aging = section("aging", "Aging by bucket");
    const kpi = section("kpis", "KPIs");
    const exposure = section("exposure", "Credit exposure");
    const work = section("worklist", "Collections worklist");
    const bank = section("bank", "Bank exceptions");
    grid.append(aging, kpi, exposure, work, bank);
    view.append(grid);
    await Promise.all([
      fill(aging, portfolioAging),
      fill(kpi, kpis),
      fill(exposure, async () => exposures(await customerNames())),
      fill(work, worklist),
      fill(bank, bankQueue),
    ]);
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
    return el("dl", { class: "facts" }, facts.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: v }))));
  }

  async function customerAging(id) {
    const a = await api(`/v1/customers/${id}/aging`);
    const rows = a.currency ? [{ currency: a.currency, total: a.total, totals: a.buckets }] : [];
    return [el("p", { class: "muted", text: `As of ${a.as_of}, by ${a.basis} date.` }), agingBlock(rows, `Aging as of ${a.as_of}`)];
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
    ];
    return pager(
      (page) => (page.items.length ? table("Open items", columns, page.items, { class: "open-items" }) : el("p", { class: "muted", text: "No open items." })),
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

  async function customerPage(view, id) {
    view.append(
      el("p", { class: "crumbs" }, el("a", { href: "/dashboard", text: "← Portfolio" })),
      el("h1", { id: "customer-name", text: "Customer" }),
    );
    const grid = el("div", { class: "grid" });
    const facts = section("account", "Account");
    const aging = section("customer-aging", "Aging");
    const items = section("open-items", "Open items");
    const st = section("statement", "Statement");
    const audit = section("history", "Audit history");
    grid.append(facts, aging, items, st, audit);
    view.append(grid);
    await Promise.all([fill(facts, () => account(id)), fill(aging, () => customerAging(id)), fill(items, () => openItems(id)), fill(st, () => statement(id)), fill(audit, () => history(id))]);
  }

  // ---------- start ----------
  async function render() {
    const view = $("view");
    const status = $("status");
    view.replaceChildren(status);
    view.hidden = false;
    $("login").hidden = true;
    $("logout").hidden = false;
    status.textContent = "Loading…";
    const match = window.location.pathname.match(/^\/dashboard\/customers\/([0-9a-fA-F-]{36})$/);
    try {
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
