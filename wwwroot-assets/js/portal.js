// Small browser helpers for the portal; no inline scripts (the CSP forbids them).
window.portal = {
  theme: {
    isDark: () => {
      const stored = localStorage.getItem("portal-theme");
      if (stored) return stored === "dark";
      return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    },
    set: (dark) => localStorage.setItem("portal-theme", dark ? "dark" : "light"),
  },
  copy: (text) => navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.resolve(),
};

// Staff sessions end after a few idle minutes. What counts as activity is the user's own input on a live page, so tell
// the server about it, at most once a minute (a live screen's updates alone do not keep a session open).
(() => {
  const minimumGapMs = 60_000;
  let lastSent = 0;
  const onInput = () => {
    const now = Date.now();
    // Only a signed-in page (it has the sign-out form) has a session to keep: an anonymous page's ping would be refused.
    if (now - lastSent < minimumGapMs || !document.querySelector("[data-circuit=interactive]") || !document.querySelector("form[action='/account/logout']")) return;
    lastSent = now;
    fetch("/account/activity", { method: "POST", credentials: "same-origin", redirect: "manual" }).catch(() => {});
  };
  for (const type of ["pointerdown", "keydown", "wheel", "touchstart"]) {
    window.addEventListener(type, onInput, { capture: true, passive: true });
  }
})();

// The skip link moves focus, not only the scroll position: Blazor's router would treat "#main-content" as a navigation
// and leave focus behind on the link.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a.skip-link") : null;
  const main = link && document.getElementById("main-content");
  if (!main) return;
  event.preventDefault();
  event.stopPropagation();
  main.focus();
  main.scrollIntoView();
}, true);

// MudSelect (MudBlazor 9) with SelectionOnEnter: Enter chooses the highlighted item, and the select then swaps its empty
// input for the element that shows the value, so the focused element leaves the page and focus falls to <body>; the
// next Tab would start from the top of the page (WCAG 2.4.3). Put focus back on the select's visible slot.
(() => {
  window.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" && e.key !== "NumpadEnter") return;
    const select = document.activeElement && document.activeElement.closest(".mud-select");
    if (!select) return;
    const started = Date.now();
    const restore = () => {
      if (!select.isConnected || Date.now() - started > 3000) return;
      if (document.activeElement === document.body || !document.activeElement) {
        const slot = [...select.querySelectorAll(".mud-input-slot")].find((s) => s.getClientRects().length > 0);
        if (slot) {
          if (!slot.hasAttribute("tabindex") && slot.tagName !== "INPUT") slot.setAttribute("tabindex", "-1");
          slot.focus();
          return;
        }
      }
      const active = document.activeElement;
      if (active && active !== document.body && !select.contains(active)) return; // the user has moved on
      requestAnimationFrame(restore);
    };
    requestAnimationFrame(restore);
  }, { capture: true });
})();

// Toasts (MudSnackbar) render role="alert", which interrupts a screen reader. They confirm what the user just did, so
// they are said politely instead: each toast becomes a polite status as it is added (issue 25).
(() => {
  const soften = (root) => {
    const selector = ".mud-snackbar[role=alert], .mud-snackbar [role=alert]";
    const toasts = root.matches && root.matches(selector) ? [root] : root.querySelectorAll ? root.querySelectorAll(selector) : [];
    for (const toast of toasts) {
      toast.setAttribute("role", "status");
      toast.setAttribute("aria-live", "polite");
    }
  };
  const start = () => {
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) if (node.nodeType === 1) soften(node);
        if (change.type === "attributes" && change.target.nodeType === 1) soften(change.target);
      }
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["role"] });
  };
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
