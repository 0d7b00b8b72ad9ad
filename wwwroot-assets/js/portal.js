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
    if (now - lastSent < minimumGapMs || !document.querySelector("[data-circuit=interactive]")) return;
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
