// The inline snippet (npm run build minifies it into sdk/dist/snippet.min.js; README shows it).
// It defines window.seam as a queue whose methods record each call and return a promise that the
// real SDK resolves once it has loaded and replayed the call; then it loads the script async.
!(function (w, d, src) {
  var s = (w.seam = w.seam || []);
  if (s.init) return;
  "init track identify page screen alias reset consent flush getCart getRecommendations anonymousId productViewed addToCart removeFromCart cartViewed checkoutStarted orderCompleted"
    .split(" ")
    .forEach(function (m) {
      s[m] = function () {
        var a = arguments, r;
        var p = new Promise(function (x) { r = x; });
        s.push([m, a, r]);
        return p;
      };
    });
  var e = d.createElement("script");
  e.async = true;
  e.src = src;
  d.head.appendChild(e);
})(window, document, "SEAM_SRC");
