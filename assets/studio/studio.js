// The template studio's page: the form, the TOML editor, the problems, the
// preview, every row of a spreadsheet and the hand-in, over the studio's
// JSON API (src/studio/mod.rs). No library, no external request.

const WORDS = {
  zh: {
    title: "模板工作室", service: "服务", new: "新建服务…", tab_form: "表单", tab_toml: "TOML",
    tab_rows: "检查每一行", tab_handin: "提交",
    form_hint: "在这里填写服务的基本信息；改动会写入模板，右侧预览随之更新。",
    names: "名称", name_zh: "中文名称", name_en: "英文名称", summary_zh: "用途（中文）", summary_en: "用途（英文）",
    heading: "文件标题", who: "谁可以用", students: "学生", staff: "教职工", rule_when: "只有当",
    op_is: "是", op_not: "不是", rule_then: "时可以打印", rule: "规则（高级）",
    refusal_zh: "不符合时的提示（中文）", refusal_en: "不符合时的提示（英文）", data: "数据来源",
    src_enrollment: "学籍（数据平台）", src_transcript: "成绩（数据平台）", src_sheet: "部门表格", src_datasets: "数据集（数据平台，多个用逗号分隔）",
    add_sheet: "用部门的表格作为数据…", sheet_name: "数据名称（小写字母，如 dorm）", use_sheet: "使用这个表格",
    sheet_used: (n) => `已使用表格；模板中用 sheets.${n}['列名'] 读取各列。`,
    sheet_file: "文件", sheet_key: "学号/工号所在列", sheet_owner: "负责人", sheet_age: "最多多少天前的数据",
    copies: "份数", max_copies: "每次最多", quota: "每学期每人最多（空：不限）", seal: "验证码证明的内容",
    seal_add: "添加一项", seal_remove: "删除", toml_hint: "模板的全部内容。停止输入片刻后自动保存并检查。",
    rows_hint: "上传部门的名单（.xlsx 或 .csv），每一行都按终端的方式生成一次，问题按行和列列出。",
    upload: "选择表格文件", col_row: "行", col_column: "列", col_key: "学号/工号", col_problem: "问题",
    handin_hint: "把服务导出为一个文件，交给网络中心审核。", department: "部门", author: "联系人（姓名、电话）",
    export: "导出服务文件", problems: "问题", no_problems: "没有发现问题。", data_for: "数据", sample: "示例数据",
    pdf: "下载 PDF", new_title: "新建服务", from: "从这里开始", new_id: "服务编号（小写字母、数字和 -）",
    cancel: "取消", create: "创建", blank: "空白模板", line: (l) => `第 ${l} 行`, row: (r) => `第 ${r} 行`,
    page: (p, n) => `${p} / ${n}`, saved: "已保存", checking: "正在逐行检查……",
    rows_ok: (n, p) => `全部 ${n} 行都能打印（共 ${p} 页）。`,
    rows_bad: (ok, n, k) => `${n} 行中 ${ok} 行能打印；发现 ${k} 个问题：`,
    too_big: "文件太大（最大 20 MB）：只保存含名单的那张工作表再上传",
    exported: (name, hash) => `已导出 ${name}。内容校验值：${hash}`, field_other: "（其他字段）",
    any: "任何人", lang: "English", pages_of: (n) => `共 ${n} 页`,
  },
  en: {
    title: "Template studio", service: "Service", new: "New service…", tab_form: "Form", tab_toml: "TOML",
    tab_rows: "Check every row", tab_handin: "Hand in",
    form_hint: "What the service is and who may print it. Changes go into the template; the preview follows.",
    names: "Names", name_zh: "Name in Chinese", name_en: "Name in English", summary_zh: "What for (Chinese)",
    summary_en: "What for (English)", heading: "Document heading", who: "Who may use it", students: "Students",
    staff: "Staff", rule_when: "Only when", op_is: "is", op_not: "is not", rule_then: "may they print",
    rule: "Rule (advanced)", refusal_zh: "Refusal (Chinese)", refusal_en: "Refusal (English)", data: "Data",
    src_enrollment: "Enrollment (data platform)", src_transcript: "Transcript (data platform)",
    src_sheet: "Department spreadsheet", src_datasets: "Datasets (data platform, comma-separated)",
    add_sheet: "Use the department's spreadsheet as data…", sheet_name: "Data name (lower-case, e.g. dorm)",
    use_sheet: "Use this spreadsheet",
    sheet_used: (n) => `The spreadsheet is used; the template reads its columns as sheets.${n}['column'].`,
    sheet_file: "File", sheet_key: "Column of 学号/工号",
    sheet_owner: "Who keeps it", sheet_age: "Oldest data, in days", copies: "Copies", max_copies: "At most per print",
    quota: "Per person per term (empty: no limit)", seal: "What the verification code certifies",
    seal_add: "Add one", seal_remove: "Remove",
    toml_hint: "The whole template. It is saved and checked when you pause typing.",
    rows_hint: "Upload the department's list (.xlsx or .csv): every row is rendered as the terminal would, and each problem is named by row and column.",
    upload: "Choose a spreadsheet", col_row: "Row", col_column: "Column", col_key: "ID", col_problem: "Problem",
    handin_hint: "Export the service as one file for the network centre to approve.", department: "Department",
    author: "Contact (name, phone)", export: "Export the service", problems: "Problems",
    no_problems: "No problems found.", data_for: "Data", sample: "Sample data", pdf: "Download PDF",
    new_title: "New service", from: "Start from", new_id: "Service id (lower-case letters, digits and -)",
    cancel: "Cancel", create: "Create", blank: "Blank template", line: (l) => `line ${l}`, row: (r) => `row ${r}`,
    page: (p, n) => `${p} / ${n}`, saved: "Saved", checking: "Checking every row…",
    rows_ok: (n, p) => `All ${n} rows print (${p} pages).`,
    rows_bad: (ok, n, k) => `${ok} of ${n} rows print; ${k} problem(s):`,
    too_big: "The file is too large (at most 20 MB): save only the sheet with the list, and upload that",
    exported: (name, hash) => `Exported ${name}. Content hash: ${hash}`, field_other: "(another field)",
    any: "anyone", lang: "中文", pages_of: (n) => `${n} page(s)`,
  },
};

const MAX_SHEET = 20 * 1024 * 1024;
const params = new URLSearchParams(location.search);
const st = {
  lang: params.get("lang") === "en" ? "en" : "zh",
  id: null, desc: null, page: 1, pages: 0, zoom: 1, row: null, version: 0,
  issuedAt: params.get("issued_at"), timer: null, pending: null, report: null,
};
const $ = (id) => document.getElementById(id);
const t = (k, ...a) => { const w = WORDS[st.lang][k]; return typeof w === "function" ? w(...a) : w ?? k; };
const say = (b) => (b ? b[st.lang] ?? b.en : "");

function applyWords() {
  document.documentElement.lang = st.lang === "zh" ? "zh-CN" : "en";
  document.title = `${t("title")} · ${st.lang === "zh" ? "Template studio" : "模板工作室"}`;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("lang").textContent = t("lang");
  $("lang").setAttribute("aria-label", t("lang"));
  if (st.services) labelServices();
  if ($("row").options[0]) $("row").options[0].textContent = t("sample");
  flash("");
  if (st.desc) showService(st.desc, { keepToml: true });
}

function flash(text, ok = false) {
  const m = $("message");
  m.textContent = text;
  m.className = ok ? "ok" : "";
  m.hidden = !text;
}

async function api(method, url, body, raw = false, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body instanceof Blob || body instanceof ArrayBuffer || typeof body === "string") {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const r = await fetch(url, init);
  if (raw && r.ok) return r;
  const data = await r.json().catch(() => ({ error: { zh: `错误 ${r.status}`, en: `error ${r.status}` } }));
  if (!r.ok) throw Object.assign(new Error(say(data.error)), { words: data.error, status: r.status });
  return data;
}

const q = () => {
  const p = new URLSearchParams();
  if (st.issuedAt) p.set("issued_at", st.issuedAt);
  if (st.row != null) p.set("row", st.row);
  return p;
};
const svc = (path = "") => `/api/services/${encodeURIComponent(st.id)}${path}`;

// ---- services ----

function labelServices() {
  const sel = $("service");
  const id = sel.value;
  sel.replaceChildren(...st.services.map((s) => new Option(`${st.lang === "zh" ? s.name_zh : s.name_en} (${s.id})`, s.id)));
  if (id) sel.value = id;
}

async function loadList(choose) {
  const { services } = await api("GET", "/api/services");
  st.services = services;
  const sel = $("service");
  labelServices();
  const from = $("c-from");
  from.replaceChildren(new Option(t("blank"), "blank"), ...services.map((s) => new Option(`${s.name_zh} · ${s.name_en}`, s.id)));
  const id = choose ?? params.get("service") ?? services[0]?.id;
  if (id) {
    sel.value = id;
    await open(id);
  }
}

async function open(id) {
  st.id = id;
  st.page = 1;
  st.row = null;
  st.report = null;
  $("row").replaceChildren(new Option(t("sample"), ""));
  $("report").hidden = true;
  $("rows-summary").textContent = "";
  $("h-result").textContent = "";
  const desc = await api("GET", svc());
  showService(desc);
  await refreshPreview();
}

function showService(desc, { keepToml = false } = {}) {
  st.desc = desc;
  const ta = $("toml");
  if (!keepToml || document.activeElement !== ta) {
    if (ta.value !== desc.toml) ta.value = desc.toml;
  }
  drawGutter();
  showForm(desc);
  showProblems(desc.problems);
}

// ---- form ----

const FIELDS = ["name_zh", "name_en", "summary_zh", "summary_en", "heading", "refusal_zh", "refusal_en", "rule"];
const RULE = /^\s*([A-Za-z_][\w.]*(?:\[['"][^'"]+['"]\])?)\s*(==|!=)\s*(['"])(.*)\3\s*$/;

function showForm(desc) {
  const f = desc.form;
  for (const el of document.querySelectorAll("#pane-form input, #pane-form select, #pane-form button")) el.disabled = !f;
  if (!f) return;
  for (const k of FIELDS) if (document.activeElement !== $(`f-${k}`)) $(`f-${k}`).value = f[k] ?? "";
  $("f-heading").disabled = f.heading == null;
  $("f-aud-student").checked = f.audience.includes("student");
  $("f-aud-staff").checked = f.audience.includes("staff");
  $("f-data-enrollment").checked = f.data.includes("enrollment");
  $("f-data-transcript").checked = f.data.includes("transcript");
  if (document.activeElement !== $("f-max_copies")) $("f-max_copies").value = f.max_copies;
  if (document.activeElement !== $("f-quota")) $("f-quota").value = f.quota_per_term ?? "";
  if (document.activeElement !== $("f-datasets")) {
    $("f-datasets").value = f.data.filter((d) => d.startsWith("dataset:")).map((d) => d.slice(8)).join(", ");
  }
  $("f-sheet").hidden = !f.sheet;
  if (f.sheet) {
    $("f-sheet-file").value = f.sheet.file;
    $("f-sheet-key").value = f.sheet.key_column;
    $("f-sheet-owner").value = f.sheet.owner;
    $("f-sheet-age").value = f.sheet.max_age_days;
  }
  // The rule as field / is / value, when it is that simple.
  const fieldSel = $("f-rule-field");
  const m = RULE.exec(f.rule ?? "");
  const names = desc.fields.map(([k]) => k);
  const opts = [new Option(t("any"), ""), ...desc.fields.map(([k, v]) => new Option(`${k}（${v}）`, k))];
  if (m && !names.includes(m[1])) opts.push(new Option(m[1], m[1]));
  fieldSel.replaceChildren(...opts);
  if (m) {
    fieldSel.value = m[1];
    $("f-rule-op").value = m[2];
    if (document.activeElement !== $("f-rule-value")) $("f-rule-value").value = m[4];
  } else {
    fieldSel.value = "";
    $("f-rule-value").value = "";
  }
  const seal = $("f-seal");
  if (!seal.contains(document.activeElement)) {
    seal.replaceChildren(...f.seal.map(([k, v]) => sealRow(k, v)));
  }
}

function sealRow(k, v) {
  const tr = document.createElement("tr");
  const key = Object.assign(document.createElement("input"), { value: k, className: "mono" });
  key.setAttribute("aria-label", "field");
  const val = Object.assign(document.createElement("input"), { value: v, className: "mono" });
  val.setAttribute("aria-label", "text");
  const rm = Object.assign(document.createElement("button"), { type: "button", textContent: t("seal_remove") });
  rm.addEventListener("click", () => { tr.remove(); formChanged(); });
  for (const el of [key, val]) el.addEventListener("input", formChanged);
  tr.append(...[key, val, rm].map((el) => { const td = document.createElement("td"); td.append(el); return td; }));
  return tr;
}

function ruleFromPicker() {
  const field = $("f-rule-field").value;
  if (!field) return "";
  const v = $("f-rule-value").value.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
  return `${field} ${$("f-rule-op").value} "${v}"`;
}

function readForm() {
  const f = structuredClone(st.desc.form);
  for (const k of FIELDS) f[k] = $(`f-${k}`).value;
  if (st.desc.form.heading == null) f.heading = null;
  f.audience = [["student", "f-aud-student"], ["staff", "f-aud-staff"]].filter(([, id]) => $(id).checked).map(([a]) => a);
  const keep = f.data.filter((d) => d !== "enrollment" && d !== "transcript");
  const chosen = [["enrollment", "f-data-enrollment"], ["transcript", "f-data-transcript"]].filter(([, id]) => $(id).checked).map(([d]) => d);
  const datasets = $("f-datasets").value.split(/[,，\s]+/).filter(Boolean).map((n) => `dataset:${n}`);
  const others = keep.filter((d) => d !== "person" && !d.startsWith("dataset:"));
  f.data = [...keep.filter((d) => d === "person"), ...chosen, ...datasets, ...others];
  f.max_copies = Math.max(1, parseInt($("f-max_copies").value, 10) || 1);
  const quota = parseInt($("f-quota").value, 10);
  f.quota_per_term = Number.isFinite(quota) && quota > 0 ? quota : null;
  if (f.sheet) {
    f.sheet.file = $("f-sheet-file").value;
    f.sheet.key_column = $("f-sheet-key").value;
    f.sheet.owner = $("f-sheet-owner").value;
    f.sheet.max_age_days = parseInt($("f-sheet-age").value, 10) || 1;
  }
  f.seal = [...$("f-seal").querySelectorAll("tr")].map((tr) => [...tr.querySelectorAll("input")].map((i) => i.value)).filter(([k]) => k);
  return f;
}

// Saves go one after another, each on the revision the last one left,
// so this page never races itself.
function later(fn) {
  clearTimeout(st.timer);
  st.pending = fn;
  st.timer = setTimeout(() => {
    st.pending = null;
    st.saving = (st.saving || Promise.resolve()).then(fn, fn);
  }, 300);
}

// A save made on the revision this page shows: if someone else saved
// since, the server refuses it (409) and the page loads theirs.
const onRevision = () => (st.desc && st.desc.revision ? { "if-match": `"${st.desc.revision}"` } : {});

async function lostRace(e) {
  if (e.status !== 409) return false;
  showService(await api("GET", svc()), { keepToml: false });
  flash(e.message);
  await refreshPreview();
  return true;
}

function formChanged(ev) {
  if (ev && ["f-rule-field", "f-rule-op", "f-rule-value"].includes(ev.target.id)) $("f-rule").value = ruleFromPicker();
  later(async () => {
    try {
      const desc = await api("PUT", svc("/form"), readForm(), false, onRevision());
      flash("");
      showService(desc, { keepToml: false });
      await refreshPreview();
    } catch (e) { if (!(await lostRace(e))) flash(e.message); }
  });
}

function tomlChanged() {
  drawGutter();
  later(async () => {
    try {
      const desc = await api("PUT", svc("/toml"), $("toml").value, false, onRevision());
      flash("");
      showService(desc, { keepToml: true });
      await refreshPreview();
    } catch (e) { if (!(await lostRace(e))) flash(e.message); }
  });
}

// ---- problems ----

// The form's field for a TOML key: `service.max_copies` → f-max_copies.
const FORM_KEYS = {
  "service.name": "f-name_zh", "service.summary": "f-summary_zh", "service.audience": "f-aud-student",
  "service.data": "f-data-enrollment", "service.max_copies": "f-max_copies", "service.quota_per_term": "f-quota",
  "eligibility.rule": "f-rule", "eligibility.message": "f-refusal_zh",
};

// The dotted key a TOML line sets: its table header above, and its key.
function keyAt(line) {
  const lines = $("toml").value.split("\n");
  const key = /^\s*([A-Za-z0-9_-]+)\s*=/.exec(lines[line - 1] ?? "")?.[1];
  let table = "";
  for (let i = line - 1; i >= 0; i--) {
    const h = /^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(lines[i]);
    if (h) { table = h[1]; break; }
  }
  return key ? (table ? `${table}.${key}` : key) : null;
}

function formField(p) {
  const key = p.field?.split(/[\s:]/)[0] ?? (p.line ? keyAt(p.line) : null);
  if (!key) return null;
  const hit = Object.keys(FORM_KEYS).find((k) => key === k || key.startsWith(`${k}.`));
  return hit ? $(FORM_KEYS[hit]) : null;
}

function markForm(problems) {
  for (const el of document.querySelectorAll("#pane-form .field-problem")) el.remove();
  for (const el of document.querySelectorAll("#pane-form [aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const p of problems) {
    const input = formField(p);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    const note = Object.assign(document.createElement("p"), { className: "field-problem", textContent: st.lang === "zh" ? p.zh : p.en });
    (input.closest("label") ?? input).after(note);
  }
}

function showProblems(problems) {
  markForm(problems);
  $("problems-none").hidden = problems.length > 0;
  $("problems").replaceChildren(...problems.map((p) => {
    const li = document.createElement("li");
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = [p.file, p.line ? t("line", p.line) : null, p.field].filter(Boolean).join(" · ");
    li.append(where, document.createTextNode(st.lang === "zh" ? p.zh : p.en));
    li.dataset.line = p.line ?? "";
    li.tabIndex = 0;
    const go = () => p.line && goToLine(p.line);
    li.addEventListener("click", go);
    li.addEventListener("keydown", (e) => e.key === "Enter" && go());
    return li;
  }));
  drawGutter();
}

function drawGutter() {
  const lines = $("toml").value.split("\n").length;
  const bad = new Set((st.desc?.problems ?? []).filter((p) => p.file === "template.toml" && p.line).map((p) => p.line));
  const g = $("gutter");
  g.replaceChildren(...Array.from({ length: lines }, (_, i) => {
    const d = document.createElement("div");
    d.textContent = i + 1;
    if (bad.has(i + 1)) d.className = "bad";
    return d;
  }));
  g.scrollTop = $("toml").scrollTop;
}

function goToLine(line) {
  selectTab("toml");
  const ta = $("toml");
  const lines = ta.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  ta.focus();
  ta.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  ta.scrollTop = Math.max(0, (line - 5) * 20);
  drawGutter();
}

// ---- preview ----

async function refreshPreview() {
  const status = $("preview-status");
  const img = $("page");
  try {
    const { pages } = await api("GET", `${svc("/render")}?${q()}`);
    st.pages = pages;
    st.page = Math.min(Math.max(1, st.page), pages);
    const p = q();
    p.set("v", ++st.version);
    img.src = `${svc(`/page/${st.page}`)}?${p}`;
    img.hidden = false;
    status.textContent = t("pages_of", pages);
    status.className = "";
  } catch (e) {
    st.pages = 0;
    img.hidden = true;
    status.textContent = e.message;
    status.className = "bad";
  }
  $("pageno").textContent = st.pages ? t("page", st.page, st.pages) : "–";
  $("prev").disabled = st.page <= 1;
  $("next").disabled = st.page >= st.pages;
}

function zoom(by) {
  st.zoom = Math.min(3, Math.max(0.4, st.zoom * by));
  const img = $("page");
  if (img.naturalWidth) img.style.width = `${Math.round(img.naturalWidth * st.zoom)}px`;
}

async function downloadPdf() {
  try {
    const r = await api("GET", `${svc("/document.pdf")}?${q()}`, undefined, true);
    save(await r.blob(), `${st.id}.pdf`);
  } catch (e) { flash(e.message); }
}

function save(blob, name) {
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// ---- every row ----

async function upload(file) {
  const summary = $("rows-summary");
  $("report").hidden = true;
  if (file.size > MAX_SHEET) {
    summary.textContent = t("too_big");
    summary.className = "bad";
    return;
  }
  summary.textContent = t("checking");
  summary.className = "";
  try {
    const p = new URLSearchParams({ name: file.name });
    if (st.issuedAt) p.set("issued_at", st.issuedAt);
    const { report } = await api("POST", `${svc("/sheet")}?${p}`, file);
    st.report = report;
    showReport(report);
  } catch (e) {
    summary.textContent = e.message;
    summary.className = "bad";
  }
}

function showReport(report) {
  const summary = $("rows-summary");
  if (report.problems.length === 0 && report.rendered === report.rows) {
    summary.textContent = t("rows_ok", report.rows, report.pages);
    summary.className = "ok";
  } else {
    summary.textContent = t("rows_bad", report.rendered, report.rows, report.problems.length);
    summary.className = "bad";
  }
  const body = $("report").tBodies[0];
  body.replaceChildren(...report.problems.map((p) => {
    const tr = document.createElement("tr");
    tr.dataset.row = p.row ?? "";
    tr.dataset.kind = p.kind;
    const cells = [
      p.row ? t("row", p.row) : "–",
      p.column ? `${p.letter ?? ""} ${p.column}`.trim() : "–",
      p.key ?? "",
      st.lang === "zh" ? p.message_zh : p.message,
    ];
    tr.append(...cells.map((c) => { const td = document.createElement("td"); td.textContent = c; return td; }));
    tr.tabIndex = 0;
    const pick = () => p.row && previewRow(p.row);
    tr.addEventListener("click", pick);
    tr.addEventListener("keydown", (e) => e.key === "Enter" && pick());
    return tr;
  }));
  $("report").hidden = report.problems.length === 0;
  const rows = [new Option(t("sample"), "")];
  const seen = new Set();
  for (const p of report.problems) if (p.row && !seen.has(p.row)) { seen.add(p.row); rows.push(new Option(`${report.file} · ${t("row", p.row)}`, p.row)); }
  $("row").replaceChildren(...rows);
}

async function previewRow(row) {
  st.row = row;
  st.page = 1;
  const sel = $("row");
  if (![...sel.options].some((o) => o.value === String(row))) sel.append(new Option(t("row", row), row));
  sel.value = String(row);
  for (const tr of $("report").tBodies[0].rows) tr.classList.toggle("chosen", tr.dataset.row === String(row));
  await refreshPreview();
}

// ---- a department's spreadsheet as data ----

async function useSheet() {
  const out = $("s-result");
  const file = $("s-file").files[0];
  if (!file) return;
  if (file.size > MAX_SHEET) { out.textContent = t("too_big"); out.className = "bad"; return; }
  const p = new URLSearchParams({
    file: file.name, name: $("s-name").value.trim(), key_column: $("s-key").value.trim(),
    owner: $("s-owner").value.trim(), max_age_days: $("s-age").value || "30",
  });
  try {
    const desc = await api("POST", `${svc("/source")}?${p}`, file, false, onRevision());
    showService(desc);
    out.textContent = t("sheet_used", p.get("name"));
    out.className = "ok";
    await refreshPreview();
  } catch (e) {
    out.textContent = e.message;
    out.className = "bad";
  }
}

// ---- hand in ----

async function handIn() {
  const out = $("h-result");
  try {
    const r = await api("POST", svc("/bundle"), { department: $("h-department").value, author: $("h-author").value }, true);
    const name = /filename="([^"]+)"/.exec(r.headers.get("content-disposition") ?? "")?.[1] ?? `${st.id}.service.zip`;
    save(await r.blob(), name);
    out.textContent = t("exported", name, r.headers.get("x-content-hash"));
    out.className = "ok";
  } catch (e) {
    out.textContent = e.message;
    out.className = "bad";
  }
}

// ---- tabs, dialog, wiring ----

function selectTab(name) {
  for (const b of document.querySelectorAll('[role="tab"]')) {
    const on = b.id === `tab-${name}`;
    b.setAttribute("aria-selected", on);
    $(b.getAttribute("aria-controls")).hidden = !on;
  }
}

async function createService(ev) {
  ev.preventDefault();
  try {
    const { id } = await api("POST", "/api/services", { from: $("c-from").value, id: $("c-id").value.trim() });
    $("create").close();
    await loadList(id);
    flash(t("saved"), true);
  } catch (e) {
    $("c-error").textContent = e.message;
  }
}

function wire() {
  $("lang").addEventListener("click", () => { st.lang = st.lang === "zh" ? "en" : "zh"; applyWords(); refreshPreview(); });
  $("service").addEventListener("change", (e) => open(e.target.value));
  for (const b of document.querySelectorAll('[role="tab"]')) b.addEventListener("click", () => selectTab(b.id.slice(4)));
  $("s-use").addEventListener("click", useSheet);
  for (const el of document.querySelectorAll("#pane-form input:not([id^='s-']), #pane-form select")) {
    el.addEventListener(el.type === "checkbox" || el.tagName === "SELECT" ? "change" : "input", formChanged);
  }
  $("f-rule").addEventListener("input", () => { const m = RULE.exec($("f-rule").value); if (m) { $("f-rule-field").value = m[1]; $("f-rule-value").value = m[4]; } });
  $("f-seal-add").addEventListener("click", () => { $("f-seal").append(sealRow("", "")); });
  $("toml").addEventListener("input", tomlChanged);
  $("toml").addEventListener("scroll", () => { $("gutter").scrollTop = $("toml").scrollTop; });
  $("toml").addEventListener("keydown", (e) => {
    if (e.key === "Tab" && !e.shiftKey && !e.ctrlKey) {
      e.preventDefault();
      const ta = e.target;
      ta.setRangeText("  ", ta.selectionStart, ta.selectionEnd, "end");
      tomlChanged();
    }
  });
  $("prev").addEventListener("click", () => { st.page -= 1; refreshPreview(); });
  $("next").addEventListener("click", () => { st.page += 1; refreshPreview(); });
  $("zoom-in").addEventListener("click", () => zoom(1.25));
  $("zoom-out").addEventListener("click", () => zoom(0.8));
  $("page").addEventListener("load", () => zoom(1));
  $("pdf").addEventListener("click", downloadPdf);
  $("row").addEventListener("change", (e) => { st.row = e.target.value ? Number(e.target.value) : null; st.page = 1; refreshPreview(); });
  $("sheet").addEventListener("change", (e) => e.target.files[0] && upload(e.target.files[0]));
  $("h-export").addEventListener("click", handIn);
  $("new").addEventListener("click", () => { $("c-error").textContent = ""; $("create").showModal(); $("c-id").focus(); });
  $("c-cancel").addEventListener("click", () => $("create").close());
  $("create-form").addEventListener("submit", createService);
}

wire();
applyWords();
loadList().catch((e) => flash(e.message));
