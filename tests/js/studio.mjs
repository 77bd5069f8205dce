// Drives the template studio in Debian's Chromium as a department's
// administrator would, and prints what the page showed as one JSON object
// (tests/studio.rs asserts on it). Screenshots go to OUT.
// Usage: node studio.mjs <studio-url> <out-dir> <issued-at> <defects.xlsx> <big-file> <not-a-sheet.xlsx> <dorm.xlsx>

import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [, , base, out, issuedAt, sheet, big, fake, dorm] = process.argv;
const seen = { errors: [], requests: [] };
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 960 }, acceptDownloads: true, locale: "zh-CN" });
  const page = await ctx.newPage();
  // A refusal or a broken template is an answer (4xx) the page shows; any
  // other error is a fault.
  page.on("console", (m) => m.type() === "error" && !/status of 4\d\d/.test(m.text()) && seen.errors.push(m.text()));
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  page.on("request", (r) => seen.requests.push(r.url()));
  const shot = (name) => page.screenshot({ path: path.join(out, `${name}.png`) });
  const src = () => page.getAttribute("#page", "src");
  // The next preview: a new image, loaded.
  const nextPreview = async (before) => {
    await page.waitForFunction((b) => {
      const img = document.getElementById("page");
      return (img.hidden && document.getElementById("preview-status").className === "bad") ||
        (img.getAttribute("src") !== b && img.complete && img.naturalWidth > 0);
    }, before, { timeout: 20000 });
  };
  const imageBytes = () => page.evaluate(async () => {
    const r = await fetch(document.getElementById("page").src);
    const b = new Uint8Array(await r.arrayBuffer());
    let s = "";
    for (const x of b) s += String.fromCharCode(x);
    return btoa(s);
  });

  await page.goto(`${base}/?service=enrollment-certificate&issued_at=${encodeURIComponent(issuedAt)}`);
  await page.waitForFunction(() => document.getElementById("page").naturalWidth > 0, null, { timeout: 20000 });
  seen.csp = await page.evaluate(async () => (await fetch("/")).headers.get("content-security-policy"));
  await shot("studio-open");

  // Start a service from the enrollment certificate.
  await page.click("#new");
  await page.selectOption("#c-from", "enrollment-certificate");
  await page.fill("#c-id", "proof-of-study");
  await page.click("#c-ok");
  await page.waitForFunction(() => document.getElementById("service").value === "proof-of-study");
  await page.waitForFunction(() => document.getElementById("page").naturalWidth > 0);
  seen.created = await page.inputValue("#service");
  seen.before = await imageBytes();

  // Change the title: the preview follows.
  let before = await src();
  await page.fill("#f-heading", "在 籍 证 明");
  await nextPreview(before);
  // The save comes back with the new TOML, then its preview: a preview
  // still under way from before the change may have come in first.
  seen.tomlHasHeading = await page
    .waitForFunction(() => document.getElementById("toml").value.includes('text = "在 籍 证 明"'), null, { timeout: 20000 })
    .then(() => true, () => false);
  for (const until = Date.now() + 20000; Date.now() < until; ) {
    await page.waitForFunction(() => document.getElementById("page").complete);
    seen.after = await imageBytes();
    if (seen.after !== seen.before) break;
    await page.waitForTimeout(100);
  }
  seen.afterSrc = await src();
  await shot("studio-form");

  // Change who may print: the sample student is then refused.
  before = await src();
  await page.fill("#f-rule-value", "graduated");
  await nextPreview(before);
  seen.refused = await page.textContent("#preview-status");
  seen.rule = await page.inputValue("#f-rule");
  before = await src();
  await page.fill("#f-rule-value", "enrolled");
  await page.waitForFunction(() => document.getElementById("preview-status").className !== "bad", null, { timeout: 20000 });
  seen.restored = await page.textContent("#preview-status");

  // Break the TOML: the problem is shown at its line.
  await page.click("#tab-toml");
  const toml = await page.inputValue("#toml");
  await page.fill("#toml", toml.replace("max_copies = 5", 'max_copies = "five"'));
  await page.waitForSelector("#problems li", { timeout: 20000 });
  seen.problems = await page.$$eval("#problems li", (lis) => lis.map((li) => ({ line: li.dataset.line, text: li.textContent })));
  seen.badLines = await page.$$eval("#gutter .bad", (ds) => ds.map((d) => d.textContent));
  await page.click("#problems li");
  seen.formProblem = await page.evaluate(() => ({
    invalid: document.getElementById("f-max_copies").getAttribute("aria-invalid"),
    note: document.querySelector("#pane-form .field-problem")?.textContent ?? null,
  }));
  seen.selected = await page.evaluate(() => {
    const ta = document.getElementById("toml");
    return ta.value.slice(ta.selectionStart, ta.selectionEnd);
  });
  await page.waitForFunction(() => document.getElementById("preview-status").className === "bad");
  seen.brokenPreview = await page.textContent("#preview-status");
  await shot("studio-toml-problem");
  await page.fill("#toml", toml);
  await page.waitForFunction(() => document.querySelectorAll("#problems li").length === 0, null, { timeout: 20000 });

  // Check every row of a spreadsheet with seeded defects.
  await page.click("#tab-rows");
  await page.setInputFiles("#sheet", sheet);
  await page.waitForSelector("#report:not([hidden]) tbody tr", { timeout: 60000 });
  seen.summary = await page.textContent("#rows-summary");
  seen.report = await page.$$eval("#report tbody tr", (trs) => trs.map((tr) => ({
    row: tr.dataset.row, kind: tr.dataset.kind, cells: [...tr.cells].map((c) => c.textContent),
  })));
  // A problem row previews that person.
  before = await src();
  await page.click('#report tbody tr[data-kind="overflow"]');
  await nextPreview(before);
  seen.rowPreview = await page.textContent("#preview-status");
  await shot("studio-rows");

  // A file too large, and one that is not a spreadsheet.
  await page.setInputFiles("#sheet", big);
  await page.waitForFunction(() => document.getElementById("rows-summary").className === "bad");
  seen.tooBig = await page.textContent("#rows-summary");
  await page.setInputFiles("#sheet", fake);
  await page.waitForFunction((b) => {
    const el = document.getElementById("rows-summary");
    return el.className === "bad" && el.textContent !== b;
  }, seen.tooBig, { timeout: 20000 });
  seen.notSheet = await page.textContent("#rows-summary");

  // Hand in, with the sample previewed again.
  await page.selectOption("#row", "");
  await page.waitForFunction(() => document.getElementById("preview-status").className !== "bad", null, { timeout: 20000 });
  await page.click("#tab-handin");
  await page.fill("#h-department", "学生处");
  await page.fill("#h-author", "张老师 8888-1234");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#h-export")]);
  seen.bundleName = download.suggestedFilename();
  await download.saveAs(path.join(out, seen.bundleName));
  await page.waitForFunction(() => document.getElementById("h-result").textContent.includes("sha256:"));
  seen.handedIn = await page.textContent("#h-result");
  await shot("studio-hand-in");

  // A blank service fed by the department's own spreadsheet.
  await page.click("#new");
  await page.selectOption("#c-from", "blank");
  await page.fill("#c-id", "dorm-proof");
  await page.click("#c-ok");
  await page.waitForFunction(() => document.getElementById("service").value === "dorm-proof");
  await page.click("#tab-form");
  await page.click("#add-sheet summary");
  await page.fill("#s-name", "dorm");
  await page.fill("#s-owner", "学生处宿舍管理科");
  await page.fill("#s-age", "45");
  await page.setInputFiles("#s-file", dorm);
  await page.click("#s-use");
  await page.waitForFunction(() => document.getElementById("s-result").className !== "", null, { timeout: 20000 });
  seen.sheetUsed = await page.textContent("#s-result");
  seen.sheetShown = await page.evaluate(() => ({
    hidden: document.getElementById("f-sheet").hidden,
    file: document.getElementById("f-sheet-file").value,
    key: document.getElementById("f-sheet-key").value,
  }));

  // In English.
  await page.click("#lang");
  await page.click("#tab-form");
  await page.waitForFunction(() => document.documentElement.lang === "en");
  seen.english = await page.textContent("#pane-form legend");
  await page.evaluate(() => document.querySelector(".work").scrollTo(0, 0));
  await shot("studio-english");
} finally {
  await browser.close();
}
seen.external = seen.requests.filter((u) => !u.startsWith(base) && !u.startsWith("blob:") && !u.startsWith("data:"));
delete seen.requests;
fs.writeFileSync(path.join(out, "seen.json"), JSON.stringify(seen));
console.log(JSON.stringify({ ok: true }));
