// hdmonitor review app: keyboard shortcuts. No inline script anywhere (the CSP allows only this file).
//   queue: j/k move, Enter or o open, c confirm the selected article as distorted, d dismiss it (choose a reason)
//   article: c confirm, d choose a dismiss reason, u back to the queue
"use strict";
function typing(event) {
  const tag = (event.target && event.target.tagName) || "";
  return ["INPUT", "TEXTAREA", "SELECT"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey;
}
document.addEventListener("keydown", (event) => {
  if (typing(event)) return;
  const rows = Array.from(document.querySelectorAll("tr.case"));
  if (rows.length) {
    let index = rows.findIndex((row) => row.classList.contains("selected"));
    if (event.key === "j" || event.key === "k") {
      if (index >= 0) rows[index].classList.remove("selected");
      index = event.key === "j" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
      rows[index].classList.add("selected");
      rows[index].scrollIntoView({ block: "nearest" });
      event.preventDefault();
      return;
    }
    if (index < 0) return;
    const row = rows[index];
    if (event.key === "Enter" || event.key === "o") {
      window.location.href = "/articles/" + row.dataset.articleId;
    } else if (event.key === "c") {
      const form = document.getElementById("key-decide");
      if (!form) return;
      form.action = "/cases/" + row.dataset.caseId + "/decide";
      form.querySelector("input[name=version]").value = row.dataset.version;
      form.submit();
    } else if (event.key === "d") {
      window.location.href = "/articles/" + row.dataset.articleId + "#decide";
    }
    return;
  }
  if (event.key === "c" && document.getElementById("confirm")) {
    document.getElementById("confirm").click();
  } else if (event.key === "d" && document.getElementById("dismiss-reason")) {
    document.getElementById("dismiss-reason").focus();
    event.preventDefault();
  } else if (event.key === "u") {
    window.location.href = "/";
  }
});
if (window.location.hash === "#decide" && document.getElementById("dismiss-reason")) {
  document.getElementById("dismiss-reason").focus();
}
