// Tells the server the browser's time zone, so that times are shown in it;
// pages work without this (they show UTC).
(function () {
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("cb_tz=" + tz) < 0) {
      document.cookie = "cb_tz=" + tz + "; path=/ui/; SameSite=Lax; max-age=31536000";
    }
  } catch (e) { /* old browser: UTC it is */ }
})();
