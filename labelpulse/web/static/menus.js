/* Menus that close, and the top bar's navigation on a phone.
 *
 * The menus are <details class="menu"> (the Export menu, each row's ⋯ menu): without this file
 * they open and close on their own summary only. With it:
 *   - opening one closes every other (and the phone navigation),
 *   - a click or tap anywhere outside an open menu closes it, as does choosing one of its items,
 *   - Esc closes it and gives the focus back to its summary, if the focus was inside,
 *   - moving the focus out of it with the keyboard (Tab) closes it.
 * Outside clicks close a menu in the capture phase of `click`, not on `pointerdown`: by then the
 * browser has chosen what was clicked, so closing (which moves what is below the menu) cannot
 * send the click elsewhere. An open Export menu pushes the page down rather than covering it
 * (app.css), so it never hides the filters' Apply button.
 *
 * The navigation: at phone widths app.css folds it behind the "Menu" button, but only once this
 * file has marked the page with the class "js"; without script the links wrap onto more lines
 * and stay usable. The button says its state in aria-expanded; Esc or a click outside the top
 * bar folds the navigation again.
 *
 * Loaded in <head> without `defer`, so the "js" class is there before the page is first drawn.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var OPEN_MENUS = "details.menu[open]";
  // Whether the last input was a key: focus that a press of the mouse or a tap moved is left
  // to the click that follows (see above), so that closing never moves the page under a press.
  var byKeyboard = false;

  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll(OPEN_MENUS));
  }

  function closeMenus(keep) {
    openMenus().forEach(function (menu) {
      if (menu !== keep) menu.open = false;
    });
  }

  function navButton() {
    return document.querySelector(".topbar .nav-toggle");
  }

  function navIsOpen() {
    var button = navButton();
    return button !== null && button.getAttribute("aria-expanded") === "true";
  }

  function setNav(open) {
    var button = navButton();
    if (button === null) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.closest(".topbar").classList.toggle("nav-open", open);
  }

  // A row's ⋯ menu lives in its table's scroll box (.table-wrap), which clips it: near the
  // bottom of the box it opens upwards when there is more room above.
  function fitInScrollBox(menu) {
    var list = menu.querySelector("ul");
    var box = menu.closest(".table-wrap");
    if (list === null || box === null) return;
    menu.classList.remove("up");
    var room = box.getBoundingClientRect();
    var drawn = list.getBoundingClientRect();
    var above = menu.getBoundingClientRect().top - room.top;
    if (drawn.bottom > room.bottom && above > room.bottom - drawn.top) menu.classList.add("up");
  }

  // `toggle` does not bubble: listen in the capture phase to hear every <details>.
  document.addEventListener(
    "toggle",
    function (event) {
      var menu = event.target;
      if (menu.matches && menu.matches(OPEN_MENUS)) {
        closeMenus(menu);
        setNav(false);
        fitInScrollBox(menu);
      }
    },
    true
  );

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target;
      if (!(target instanceof Element)) return;
      var button = navButton();
      if (button !== null && button.contains(target)) {
        var opening = !navIsOpen();
        if (opening) closeMenus(null);
        setNav(opening);
        return;
      }
      openMenus().forEach(function (menu) {
        var chosen = target.closest("a") !== null && menu.contains(target);
        if (chosen || !menu.contains(target)) menu.open = false;
      });
      if (navIsOpen() && target.closest(".topbar") === null) setNav(false);
    },
    true
  );

  document.addEventListener(
    "pointerdown",
    function () {
      byKeyboard = false;
    },
    true
  );

  document.addEventListener("keydown", function (event) {
    byKeyboard = true;
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var focused = document.activeElement;
    var menus = openMenus();
    if (menus.length) {
      menus.forEach(function (menu) {
        var hadFocus = focused !== null && menu.contains(focused);
        menu.open = false;
        if (hadFocus) menu.querySelector("summary").focus();
      });
      return;
    }
    if (navIsOpen()) {
      var inside = focused !== null && focused.closest(".topbar") !== null;
      setNav(false);
      if (inside) navButton().focus();
    }
  });

  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (!byKeyboard || !(target instanceof Element)) return;
    openMenus().forEach(function (menu) {
      if (!menu.contains(target)) menu.open = false;
    });
    if (navIsOpen() && target.closest(".topbar") === null) setNav(false);
  });
})();
