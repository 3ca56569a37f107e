// MathJax 2 settings for the site, read by _static/mathjax/MathJax.js (from the jupyter-server-mathjax package).
// That package ships the STIX-Web fonts only, so the HTML-CSS output is told to use them and no image fonts.
window.MathJax = {
  tex2jax: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  TeX: { equationNumbers: { autoNumber: "AMS", useLabelIds: true } },
  "HTML-CSS": { availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
                linebreaks: { automatic: true } },
  // Always the HTML-CSS output (with STIX-Web): the native-MathML one would ask for fonts the package lacks.
  MMLorHTML: { prefer: "HTML" },
  displayAlign: "center",
  messageStyle: "none"
};
