// Opens the verification page in Debian's Chromium as a recipient's phone
// does, online and offline, and types short codes into it; prints one JSON
// line per case: { name, verdict (class), heading, status, text, errors }.
// Usage: node verify_status.mjs <cases.json>
//   cases: [{ name, url, type?: "code to type", offline?: true, shot?: png }]

import fs from "node:fs";
import { chromium } from "playwright-core";

const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
try {
  for (const c of cases) {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
    const page = await ctx.newPage();
    const errors = [];
    const requests = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // A 4xx from the platform is an answer the page shows, not a fault.
    page.on("console", (m) => m.type() === "error" && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));
    page.on("request", (r) => requests.push(r.url()));
    // A phone without network opens the page it saved (a file URL).
    if (c.offline) await ctx.setOffline(true);
    await page.goto(c.url);
    if (c.type !== undefined) {
      await page.waitForSelector("#lookup:not([hidden])", { timeout: 10000 });
      await page.fill("#code", c.type);
      await page.click("#lookup button");
    }
    // Done when the verdict is no longer "checking" / "looking up".
    await page
      .waitForFunction(() => !/正在/.test(document.getElementById("verdict").textContent), null, { timeout: 20000 })
      .catch((e) => errors.push(`the verdict never came: ${e.message.split("\n")[0]}`));
    const seen = await page.evaluate(() => ({
      verdict: document.getElementById("verdict").className.replace("verdict", "").trim(),
      heading: document.getElementById("verdict").textContent,
      status: [...document.querySelectorAll(".status")].map((s) => `${s.dataset.state}: ${s.textContent}`),
      text: document.querySelector("main").innerText,
    }));
    if (c.shot) await page.screenshot({ path: c.shot, fullPage: true });
    console.log(JSON.stringify({ name: c.name, ...seen, errors, requests }));
    await ctx.close();
  }
} finally {
  await browser.close();
}
