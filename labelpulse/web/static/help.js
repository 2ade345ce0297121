// Figure help (templates/_help.html): a "?" button whose tooltip shows on hover and focus (CSS),
// toggles on click or tap, and hides on Esc or a click elsewhere. Texts: metrics/glossary.py.
"use strict";
(function () {
  let next = 0;

  function close(tip, dismiss) {
    tip.classList.remove("open");
    if (dismiss) tip.classList.add("dismissed");
    const button = tip.querySelector("[data-help]");
    if (button) button.setAttribute("aria-expanded", "false");
  }

  function closeAll(except) {
    document.querySelectorAll(".help-tip.open").forEach((tip) => {
      if (tip !== except) close(tip, true);
    });
  }

  // Keep a tooltip inside what the screen shows: shifted sideways by as much as it sticks out
  // (a page wider than a phone's screen scrolls, so the visual viewport is the edge).
  function place(tip) {
    const text = tip.querySelector(".help-text");
    if (!text) return;
    text.style.marginLeft = "";
    const box = text.getBoundingClientRect();
    if (box.width === 0) return;
    const view = window.visualViewport;
    const left = view ? view.offsetLeft : 0;
    const right = view ? view.offsetLeft + view.width : document.documentElement.clientWidth;
    let shift = 0;
    if (box.right > right - 8) shift = right - 8 - box.right;
    if (box.left + shift < left + 8) shift = left + 8 - box.left;
    if (shift) text.style.marginLeft = shift + "px";
  }

  function setUp(button) {
    const tip = button.closest(".help-tip");
    const text = tip && tip.querySelector(".help-text");
    if (!tip || !text) return;
    if (!text.id) text.id = "help-text-" + (next += 1);
    button.setAttribute("aria-describedby", text.id);
    button.addEventListener("click", (event) => {
      event.preventDefault();
      event.stopPropagation();
      const opening = !tip.classList.contains("open");
      closeAll(tip);
      tip.classList.toggle("open", opening);
      tip.classList.toggle("dismissed", !opening);
      button.setAttribute("aria-expanded", opening ? "true" : "false");
      if (opening) place(tip);
    });
    button.addEventListener("focus", () => {
      tip.classList.remove("dismissed");
      place(tip);
    });
    tip.addEventListener("mouseenter", () => {
      tip.classList.remove("dismissed");
      place(tip);
    });
    button.addEventListener("blur", () => close(tip, false));
  }

  function start() {
    document.querySelectorAll(".help-tip [data-help]").forEach(setUp);
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      document.querySelectorAll(".help-tip").forEach((tip) => {
        if (tip.classList.contains("open") || tip.contains(document.activeElement)) {
          close(tip, true);
        }
      });
    });
    document.addEventListener("click", (event) => {
      if (!(event.target instanceof Element) || !event.target.closest(".help-tip")) closeAll(null);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
