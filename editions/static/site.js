// The site's script: draws each chart live with the vendored Vega (its stored image stays
// as the fallback), and shows a "Predict, then see" answer once a prediction is written.
(function () {
  function draw(root) {
    root.querySelectorAll('figure.course-chart[data-live]').forEach(function (fig) {
      if (!window.vegaEmbed) { return; }
      var spec = JSON.parse(fig.querySelector('script.course-chart-spec').textContent);
      var image = fig.querySelector('img');
      var target = document.createElement('div');
      target.className = 'course-chart-live';
      target.setAttribute('role', 'img');
      target.setAttribute('aria-label', image.alt);
      fig.insertBefore(target, image);
      vegaEmbed(target, spec, {renderer: 'svg', actions: false}).then(function () {
        // The description (aria-label) is the chart's text alternative, as the image's
        // alt was; the drawing's own marks, some of them unlabelled, are hidden from
        // assistive technology as the image's pixels were.
        target.querySelectorAll('svg').forEach(function (svg) {
          svg.setAttribute('aria-hidden', 'true');
        });
        image.hidden = true;
      }).catch(function () { target.remove(); });
      fig.removeAttribute('data-live');
    });
  }
  document.querySelectorAll('.course-reveal').forEach(function (box) {
    box.querySelector('button').addEventListener('click', function () {
      var text = box.querySelector('textarea');
      var picked = box.querySelector('input[type=radio]:checked');
      var value = text ? text.value.trim() : (picked ? picked.value : '');
      var message = box.querySelector('.course-reveal-message');
      if (!/[A-Za-z0-9\u00C0-\uFFFF]/.test(value)) {
        message.textContent = text ? 'Not yet: write your prediction first (a few words).'
                                   : 'Not yet: pick one of the choices first.';
        return;
      }
      box.querySelectorAll('textarea, input, button').forEach(function (e) {
        e.disabled = true; });
      message.textContent = 'Your prediction is recorded. The answer:';
      var answer = document.createElement('div');
      answer.className = 'course-reveal-shown';
      answer.appendChild(box.querySelector('template').content.cloneNode(true));
      box.appendChild(answer);
      draw(answer);
    });
  });
  draw(document);
})();
