// The HTML report's script: sorts the comparison table and shows the quotes embedded as JSON,
// filtered and a page at a time. Interview text is only ever written with textContent (text
// nodes), never parsed as HTML. Evidence spans are in UTF-16 units, as JavaScript indexes strings.
(function () {
  "use strict";

  const PRINT_LIMIT = 1000;
  const data = JSON.parse(document.getElementById("qualcode-data").textContent);
  const codes = data.codes;
  const groups = data.groups;
  const documents = data.documents;
  const segments = data.segments;
  const quotes = data.quotes;
  const groupCount = Math.max(groups.length, 1);
  const groupIndex = new Map(groups.map((name, i) => [name, i]));
  const documentGroup = documents.map((d) => groupIndex.get(d.group));
  const totals = new Map(data.totals.map((t) => [t[0] * groupCount + t[1], t]));
  const numbers = new Intl.NumberFormat("en");

  // -- the sortable table ----------------------------------------------------------------------

  function sortValue(cell, text) {
    const raw = cell.dataset.value;
    if (raw === undefined || raw === "") return null;
    return text ? raw : Number(raw);
  }

  function setUpSorting(table) {
    const body = table.tBodies[0];
    const headers = Array.from(table.tHead.rows[0].cells);
    const original = Array.from(body.rows);
    headers.forEach((header, column) => {
      header.querySelector("button").addEventListener("click", () => {
        const now = header.getAttribute("aria-sort");
        const next = now === "ascending" ? "descending" : now === "descending" ? "none" : "ascending";
        headers.forEach((h) => h.removeAttribute("aria-sort"));
        let rows = original;
        if (next !== "none") {
          header.setAttribute("aria-sort", next);
          const sign = next === "ascending" ? 1 : -1;
          const text = column === 0;
          rows = original.slice().sort((a, b) => {
            const x = sortValue(a.cells[column], text);
            const y = sortValue(b.cells[column], text);
            if (x === null || y === null) {
              // Cells without a value (not testable, no segments) go last either way.
              if (x !== y) return x === null ? 1 : -1;
            } else {
              const order = text ? x.localeCompare(y) : x - y;
              if (order !== 0) return sign * order;
            }
            return a.dataset.order - b.dataset.order;
          });
        }
        body.append(...rows);
      });
    });
  }

  document.querySelectorAll("table.sortable").forEach(setUpSorting);

  // -- filters ---------------------------------------------------------------------------------

  const form = document.getElementById("filters");
  const codeSelect = document.getElementById("filter-code");
  const groupSelect = document.getElementById("filter-group");
  const documentSelect = document.getElementById("filter-document");
  const attributeSelects = Array.from(form.querySelectorAll("select.attribute"));
  const search = document.getElementById("filter-search");
  const pageSize = document.getElementById("page-size");
  const list = document.getElementById("quote-list");
  const status = document.getElementById("quote-status");
  const printStatus = document.getElementById("print-status");
  const pagers = Array.from(document.querySelectorAll("nav.pager"));
  const attributesCount = document.getElementById("attributes-count");

  let folded = null; // per segment: its text, speaker and interview, folded for search
  let matches = [];
  let matchCounts = new Map();
  let page = 0;

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u2018\u2019\u02bc]/g, "'")
      .toLowerCase();
  }

  function allowedCodes() {
    if (codeSelect.value === "") return null;
    const path = codes[Number(codeSelect.value)].path;
    return codes.map((c) => c.path === path || c.path.startsWith(path + "/"));
  }

  function applyFilters() {
    const allowed = allowedCodes();
    const group = groupSelect.value === "" ? -1 : Number(groupSelect.value);
    const only = documentSelect.value === "" ? -1 : Number(documentSelect.value);
    const wanted = attributeSelects
      .filter((s) => s.value !== "")
      .map((s) => [s.dataset.key, s.value]);
    const terms = fold(search.value).split(/\s+/).filter(Boolean);
    if (attributesCount) {
      // A folded list of attributes still says when some of them filter the quotes.
      attributesCount.textContent = "(" + attributeSelects.length +
        (wanted.length ? ", " + wanted.length + " in use" : "") + ")";
    }
    if (terms.length && folded === null) {
      folded = segments.map((s) => fold(s[3] + "\n" + s[1] + "\n" + documents[s[0]].name));
    }
    matches = [];
    matchCounts = new Map();
    for (let i = 0; i < quotes.length; i++) {
      const quote = quotes[i];
      if (allowed !== null && !allowed[quote[0]]) continue;
      const documentNumber = segments[quote[1]][0];
      if (group >= 0 && documentGroup[documentNumber] !== group) continue;
      if (only >= 0 && documentNumber !== only) continue;
      if (wanted.length) {
        const attributes = documents[documentNumber].attributes;
        if (!wanted.every(([key, value]) => attributes[key] === value)) continue;
      }
      if (terms.length) {
        const text = folded[quote[1]];
        if (!terms.every((term) => text.includes(term))) continue;
      }
      matches.push(i);
      const key = quote[0] * groupCount + documentGroup[documentNumber];
      matchCounts.set(key, (matchCounts.get(key) || 0) + 1);
    }
    page = 0;
    show();
  }

  // -- showing quotes --------------------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function codeHeading(code) {
    const heading = element("h3", "code-heading");
    const swatch = element("span", "swatch");
    swatch.setAttribute("aria-hidden", "true");
    swatch.style.setProperty("--code", code.colour);
    heading.append(swatch, element("span", "code-label", code.label), " ");
    heading.append(element("span", "path", code.path));
    return heading;
  }

  function groupHeading(codeNumber, group, continued) {
    const key = codeNumber * groupCount + group;
    const count = matchCounts.get(key) || 0;
    const total = totals.get(key);
    let text = groups[group] + ": " + numbers.format(count) + (count === 1 ? " quote" : " quotes");
    if (total && total[2] < total[3]) {
      text += " (the report holds the first " + numbers.format(total[2]) + " of ";
      text += numbers.format(total[3]) + ")";
    }
    if (continued) text += ", continued";
    return element("h4", "group-heading", text);
  }

  function quoteArticle(quote) {
    const code = codes[quote[0]];
    const segment = segments[quote[1]];
    const article = element("article", "quote");
    article.style.setProperty("--code", code.colour);
    const meta = element("p", "meta");
    meta.append(element("span", "interview", documents[segment[0]].name));
    meta.append(" · ", element("span", "speaker", segment[1] || "unknown speaker"));
    if (segment[2]) meta.append(" · ", element("span", "timestamp", segment[2]));
    const text = segment[3];
    const spans = quote[2];
    const body = element("p", "text");
    let cursor = 0;
    for (let k = 0; k + 1 < spans.length; k += 2) {
      if (spans[k] > cursor) body.append(text.slice(cursor, spans[k]));
      const mark = element("mark", "evidence", text.slice(spans[k], spans[k + 1]));
      body.append(mark);
      cursor = spans[k + 1];
    }
    if (cursor < text.length) body.append(text.slice(cursor));
    const blockquote = element("blockquote");
    if (segment[4]) blockquote.lang = segment[4]; // read aloud in the speaker's language
    blockquote.append(body);
    article.append(meta);
    const around = segment[5]; // the question and the turns either side, when asked for
    if (around) {
      if (around[0]) article.append(element("p", "context question", around[0]));
      for (const turn of around[1]) article.append(element("p", "context", turn));
    }
    article.append(blockquote);
    if (around) for (const turn of around[2]) article.append(element("p", "context", turn));
    return article;
  }

  function draw(start, end) {
    const fragment = document.createDocumentFragment();
    let lastCode = -1;
    let lastGroup = -1;
    for (let n = start; n < end; n++) {
      const quote = quotes[matches[n]];
      const group = documentGroup[segments[quote[1]][0]];
      const previous = n > 0 ? quotes[matches[n - 1]] : null;
      const sameAsPrevious =
        previous !== null &&
        previous[0] === quote[0] &&
        documentGroup[segments[previous[1]][0]] === group;
      if (quote[0] !== lastCode) {
        fragment.append(codeHeading(codes[quote[0]]));
        lastCode = quote[0];
        lastGroup = -1;
      }
      if (group !== lastGroup) {
        fragment.append(groupHeading(quote[0], group, n === start && sameAsPrevious));
        lastGroup = group;
      }
      fragment.append(quoteArticle(quote));
    }
    list.replaceChildren(fragment);
  }

  function pageCount() {
    return Math.max(1, Math.ceil(matches.length / Number(pageSize.value)));
  }

  function button(label, target, disabled, name) {
    const node = element("button", "page-button", label);
    node.type = "button";
    node.disabled = disabled;
    node.dataset.page = String(target);
    if (name) node.setAttribute("aria-label", name);
    return node;
  }

  function drawPagers() {
    const last = pageCount() - 1;
    for (const pager of pagers) {
      pager.replaceChildren(
        button("« First", 0, page === 0, "First page"),
        button("‹ Previous", page - 1, page === 0, "Previous page"),
        element("span", "page-number", "Page " + (page + 1) + " of " + (last + 1)),
        button("Next ›", page + 1, page === last, "Next page"),
        button("Last »", last, page === last, "Last page")
      );
      pager.hidden = last === 0;
    }
  }

  function show() {
    const size = Number(pageSize.value);
    const start = page * size;
    const end = Math.min(matches.length, start + size);
    draw(start, end);
    drawPagers();
    if (matches.length === 0) {
      status.textContent = "No quote matches these filters.";
    } else {
      status.textContent =
        "Quotes " + numbers.format(start + 1) + "–" + numbers.format(end) + " of " +
        numbers.format(matches.length) + " matching the filters (the report holds " +
        numbers.format(quotes.length) + ").";
    }
  }

  function filterSummary() {
    const parts = [];
    if (codeSelect.value !== "") parts.push("code " + codes[Number(codeSelect.value)].path);
    if (groupSelect.value !== "") parts.push(data.by + " " + groups[Number(groupSelect.value)]);
    if (documentSelect.value !== "") {
      parts.push("interview " + documents[Number(documentSelect.value)].name);
    }
    for (const select of attributeSelects) {
      if (select.value !== "") parts.push(select.dataset.key + " " + select.value);
    }
    if (search.value.trim()) parts.push("search “" + search.value.trim() + "”");
    return parts.length ? parts.join("; ") : "none";
  }

  pagers.forEach((pager) =>
    pager.addEventListener("click", (event) => {
      const target = event.target.closest("button.page-button");
      if (!target || target.disabled) return;
      page = Number(target.dataset.page);
      show();
      list.focus({ preventScroll: true });
      list.scrollIntoView({ block: "start" });
    })
  );

  let typing = 0;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(applyFilters, 200);
  });
  for (const select of [codeSelect, groupSelect, documentSelect, ...attributeSelects]) {
    select.addEventListener("change", applyFilters);
  }
  pageSize.addEventListener("change", () => {
    page = 0;
    show();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    applyFilters();
  });
  form.addEventListener("reset", () => setTimeout(applyFilters, 0));

  // Paper gets every quote that matches (up to PRINT_LIMIT), not only the page on screen.
  window.addEventListener("beforeprint", () => {
    const end = Math.min(matches.length, PRINT_LIMIT);
    draw(0, end);
    let text = "Quotes 1–" + numbers.format(end) + " of " + numbers.format(matches.length) +
      " matching; filters: " + filterSummary() + ".";
    if (end < matches.length) text += " Printing stops at " + numbers.format(PRINT_LIMIT) + ".";
    printStatus.textContent = matches.length ? text : "No quote matches the filters.";
  });
  window.addEventListener("afterprint", show);

  applyFilters();
  document.documentElement.classList.add("ready");
  performance.mark("qualcode-ready");
})();
