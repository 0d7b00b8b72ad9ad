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
