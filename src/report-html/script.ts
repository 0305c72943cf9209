/**
 * The report's only script, inlined: filters by host and status. The state
 * lives in the URL hash (run.html#host=web1&status=failed), so a filtered
 * view can be linked to, and the controls only rewrite the hash.
 */
export const SCRIPT = `
(function () {
  var hostSel = document.getElementById('f-host'), statusSel = document.getElementById('f-status');
  function state() {
    var p = new URLSearchParams(location.hash.slice(1));
    return { host: p.get('host') || '', status: p.get('status') || '' };
  }
  function apply() {
    var s = state(), shown = 0, items = document.querySelectorAll('[data-host]');
    hostSel.value = s.host; statusSel.value = s.status;
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var hide = (s.host && el.getAttribute('data-host') !== s.host) ||
        (s.status && (' ' + el.getAttribute('data-status') + ' ').indexOf(' ' + s.status + ' ') < 0);
      el.hidden = !!hide;
      if (!hide && el.classList.contains('row')) shown++;
    }
    document.getElementById('f-count').textContent = shown + ' task runs shown';
    document.body.setAttribute('data-filter', (s.host || '*') + '/' + (s.status || '*'));
  }
  function change() {
    var p = new URLSearchParams();
    if (hostSel.value) p.set('host', hostSel.value);
    if (statusSel.value) p.set('status', statusSel.value);
    location.hash = p.toString();
  }
  hostSel.addEventListener('change', change); statusSel.addEventListener('change', change);
  window.addEventListener('hashchange', apply);
  apply();
})();
`;
