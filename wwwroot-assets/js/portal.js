// Small browser helpers for the portal; no inline scripts (the CSP forbids them).
window.portal = {
  // The theme lives in a cookie (not localStorage) so the server renders the first paint in it: no flash of the light
  // theme while the circuit connects, and the static sign-in pages follow it too (issue 22).
  theme: {
    isDark: () => {
      const stored = document.cookie.split("; ").find((c) => c.startsWith("portal-theme="));
      if (stored) return stored === "portal-theme=dark";
      return !!window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    },
    set: (dark) => {
      const secure = location.protocol === "https:" ? "; secure" : "";
      document.cookie = `portal-theme=${dark ? "dark" : "light"}; path=/; max-age=31536000; samesite=lax${secure}`;
    },
  },
  // The phone menu's Sign out submits the app bar's one sign-out form (a POST with its antiforgery token).
  signOut: () => document.getElementById("portal-signout")?.requestSubmit(),
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

// Dialogs (WCAG 2.1.2, 2.4.3): MudBlazor traps focus and closes on Escape only while focus is inside the dialog, and it
// does not hand focus back when the dialog closes. So: focus that lands outside an open dialog is moved into it, Escape
// pressed with focus elsewhere still reaches the top dialog, and on close focus returns to the control that opened it.
(() => {
  const topDialog = () => {
    const all = document.querySelectorAll(".mud-dialog-container .mud-dialog");
    return all.length ? all[all.length - 1] : null;
  };
  const focusables = "button:not([disabled]), [href], input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  let opener = null;
  document.addEventListener("focusin", (e) => {
    const target = e.target instanceof Element ? e.target : null;
    if (!target || target === document.body) return;
    const dialog = topDialog();
    if (!dialog) {
      opener = target; // the last control used outside a dialog: the one that opened the next dialog
      return;
    }
    // A popover (a select's list) opened from the dialog lives outside it in the DOM but belongs to it.
    if (dialog.contains(target) || target.closest(".mud-popover-provider, .mud-popover")) return;
    const first = [...dialog.querySelectorAll(focusables)].find((el) => el.getClientRects().length > 0);
    (first || dialog).focus();
  }, true);
  // Tab and Shift+Tab wrap inside the top dialog at once, in the browser: MudBlazor's own trap moves focus through a
  // server round trip, and on a loaded machine focus sat on the page behind the dialog until the answer came.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Tab" || e.altKey || e.ctrlKey || e.metaKey) return;
    const dialog = topDialog();
    if (!dialog) return;
    const items = [...dialog.querySelectorAll(focusables)].filter((el) => el.getClientRects().length > 0 && !/sentinel/.test(el.className));
    if (items.length === 0) return;
    const active = document.activeElement;
    const outside = !active || !dialog.contains(active);
    if (e.shiftKey && (outside || active === items[0])) {
      e.preventDefault();
      items[items.length - 1].focus();
    } else if (!e.shiftKey && (outside || active === items[items.length - 1])) {
      e.preventDefault();
      items[0].focus();
    }
  }, true);
  window.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const dialog = topDialog();
    const target = e.target instanceof Element ? e.target : null;
    if (!dialog || (target && (dialog.contains(target) || target.closest(".mud-popover")))) return;
    // MudBlazor's key handler listens on the dialog itself: hand it the key from inside.
    dialog.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", code: "Escape", bubbles: true }));
  });
  const start = () => {
    new MutationObserver((changes) => {
      const closed = changes.some((c) => [...c.removedNodes].some((n) => n.nodeType === 1 && (n.matches(".mud-dialog-container") || n.querySelector(".mud-dialog-container"))));
      if (!closed || topDialog()) return;
      const active = document.activeElement;
      if (opener && opener.isConnected && (!active || active === document.body)) opener.focus();
    }).observe(document.body, { childList: true, subtree: true });
  };
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
