// MathJax 2 settings for the site, read by _static/mathjax/MathJax.js (from the jupyter-server-mathjax package).
// That package ships the STIX-Web fonts only, so the HTML-CSS output is told to use them and no image fonts.
// Typesetting is done in one pass: every equation in one chunk (no 100 ms pause between chunks of 50) and
// no quick preview drawn first (full-page screenshots are pixel-identical; see tools/SITE.md).
window.MathJax = {
  tex2jax: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  TeX: { equationNumbers: { autoNumber: "AMS", useLabelIds: true } },
  "HTML-CSS": { availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
                EqnChunk: 10000, EqnChunkFactor: 1, EqnChunkDelay: 0,
                linebreaks: { automatic: true } },
  // Always the HTML-CSS output (with STIX-Web): the native-MathML one would ask for fonts the package lacks.
  MMLorHTML: { prefer: "HTML" },
  "fast-preview": { disabled: true },
  displayAlign: "center",
  messageStyle: "none"
};
