// The deck's script, run before reveal.js starts. It lays every slide out at 1280x720 and
// moves what does not fit onto a slide of its own after it (between blocks: paragraphs, list
// items, table rows, a chart), a chart keeping the height it needs to stay legible; draws
// each chart live at the size its slide leaves it (the Vega-Lite spec is resized until the
// drawing fills that room, its fonts unchanged); and, as a last resort, shrinks a slide
// that is still too tall, never so far that its smallest text falls under the floor.
// Each slide records the scale it needed (data-fit-scale), which the browser test reads.
(function () {
  var reveal = document.querySelector('.reveal');
  // The room a slide gives its content and the smallest text it may show (the template
  // writes them from the slide builder's constants).
  var WIDTH = +reveal.dataset.width, HEIGHT = +reveal.dataset.height,
      FLOOR = +reveal.dataset.fontFloor;

  function fitBox(slide) {
    var box = slide.querySelector(':scope > .course-fit');
    if (!box) {
      box = document.createElement('div');
      box.className = 'course-fit';
      while (slide.firstChild) { box.appendChild(slide.firstChild); }
      slide.appendChild(box);
    }
    return box;
  }

  // Containers a slide may be cut inside of; everything else moves as one block.
  function isContainer(e) {
    if (/^(UL|OL|TABLE|TBODY)$/.test(e.tagName)) { return true; }
    if (e.tagName !== 'DIV' || !e.children.length || e.matches('.course-chart')) {
      return false;
    }
    for (var n = e.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3 && n.textContent.trim()) { return false; }
    }
    return true;
  }

  // Whether an element shows anything (JupyterLab's empty collapser bars do not).
  function shows(e) {
    return e.getClientRects().length > 0 &&
      (e.textContent.trim() !== '' || e.querySelector('img, svg, canvas') !== null ||
       /^(IMG|SVG|FIGURE|HR)$/.test(e.tagName));
  }

  function blocks(root) {
    var found = [];
    (function walk(e) {
      for (var c = e.firstElementChild; c; c = c.nextElementSibling) {
        if (isContainer(c)) { walk(c); } else if (shows(c)) { found.push(c); }
      }
    })(root);
    return found;
  }

  // A heading, a table's header or a line that introduces what follows never ends a slide.
  function leadsIn(e) {
    return /^(H[1-6]|THEAD)$/.test(e.tagName) || e.matches('.course-predict') ||
      (e.tagName === 'P' && /:\s*$/.test(e.textContent));
  }

  // Moves `first` and everything after it on `slide` to a new slide right after it; the
  // containers around `first` are copied (a table with its header, a list numbered on).
  function splitBefore(slide, box, first) {
    var chain = [];
    for (var e = first.parentNode; e !== box; e = e.parentNode) { chain.unshift(e); }
    var next = slide.cloneNode(false), nextBox = box.cloneNode(false);
    next.removeAttribute('id');
    next.appendChild(nextBox);
    var heading = box.querySelector('h1, h2, h3');
    // A chart has its own title: it needs the room more than a repeated heading.
    if (heading && !first.matches('.course-chart') &&
        heading.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) {
      var again = document.createElement(heading.tagName);
      again.className = 'course-continued';
      again.textContent = heading.textContent.replace(/\u00b6/g, '').trim() + ' (continued)';
      nextBox.appendChild(again);
    }
    var places = [nextBox];
    chain.forEach(function (e) {
      var copy = e.cloneNode(false);
      copy.removeAttribute('id');
      var head = e.tagName === 'TABLE' && e.querySelector(':scope > thead');
      if (head) { copy.appendChild(head.cloneNode(true)); }
      places[places.length - 1].appendChild(copy);
      places.push(copy);
    });
    var start = first;
    for (var depth = chain.length; depth >= 0; depth--) {
      for (var n = start; n;) {
        var after = n.nextSibling;
        places[depth].appendChild(n);
        n = after;
      }
      if (depth > 0) { start = chain[depth - 1].nextSibling; }
    }
    chain.forEach(function (e, i) {
      if (e.tagName === 'OL') {
        places[i + 1].start = (e.start || 1) + e.querySelectorAll(':scope > li').length;
      }
    });
    // Containers whose whole content moved would leave their padding behind, empty.
    for (var d = chain.length - 1; d >= 0 && !blocks(chain[d]).length; d--) { chain[d].remove(); }
    var outer = document.createElement('section');
    outer.appendChild(next);
    slide.parentNode.parentNode.insertBefore(outer, slide.parentNode.nextSibling);
    return next;
  }

  // Cuts a block of code or program output after its last line above `limit` (a page
  // position), into two blocks; returns the second, or null where no line fits.
  function splitLines(pre, limit) {
    var walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    var range = document.createRange();
    var cut = null;
    while (walker.nextNode()) {
      var text = walker.currentNode, at = -1;
      while ((at = text.data.indexOf('\n', at + 1)) !== -1) {
        range.setStart(text, at); range.setEnd(text, at + 1);
        var rect = range.getClientRects()[0] || range.getBoundingClientRect();
        if (rect.bottom > limit) { break; }
        cut = [text, at + 1];
      }
    }
    if (!cut || cut[0].data.slice(cut[1]).trim() === '' && !cut[0].nextSibling) { return null; }
    range.setStart(pre, 0); range.setEnd(cut[0], cut[1]);
    var head = pre.cloneNode(false);
    head.appendChild(range.extractContents());
    pre.parentNode.insertBefore(head, pre);
    return pre;
  }

  function split(slide) {
    for (var guard = 0; guard < 40; guard++) {
      var box = fitBox(slide), top = box.getBoundingClientRect().top;
      var list = blocks(box);
      var k = list.findIndex(function (b) {
        return b.getBoundingClientRect().bottom - top > HEIGHT + 0.5;
      });
      if (k === -1) { return; }
      // Long code or output is cut between lines when a fair part of it fits.
      if (list[k].tagName === 'PRE' && top + HEIGHT - list[k].getBoundingClientRect().top > 150) {
        var rest = splitLines(list[k], top + HEIGHT - 12);
        if (rest) { slide = splitBefore(slide, box, rest); continue; }
      }
      while (k > 0 && leadsIn(list[k - 1])) { k--; }
      if (k <= 0) { return; }
      slide = splitBefore(slide, box, list[k]);
    }
  }

  // --- charts: a Vega-Lite spec drawn to fill a given room -------------------------------
  function isStrip(view) {
    var mark = view.mark && (view.mark.type || view.mark);
    return mark === 'text' && !(view.encoding && view.encoding.y);
  }

  // The spec with every panel's width and height (and what is drawn in proportion to
  // them: a projection's scale, a bar's thickness) multiplied by fw and fh.
  function resized(spec, fw, fh) {
    var copy = JSON.parse(JSON.stringify(spec));
    (function walk(node) {
      if (Array.isArray(node)) { node.forEach(walk); return; }
      if (!node || typeof node !== 'object') { return; }
      if (node.mark || node.layer || node.spec) {
        if (typeof node.width === 'number') { node.width *= fw; }
        else if (node.width && node.width.step) { node.width.step *= fw; }
        if (typeof node.height === 'number' && !isStrip(node)) { node.height *= fh; }
        else if (node.height && node.height.step) { node.height.step *= fh; }
        if (node.projection && node.projection.scale) {
          node.projection.scale *= Math.min(fw, fh);
        }
        if (node.mark && typeof node.mark.height === 'number') { node.mark.height *= fh; }
      }
      ['vconcat', 'hconcat', 'concat', 'layer', 'spec'].forEach(function (key) {
        if (node[key]) { walk(node[key]); }
      });
    })(copy);
    var view = copy.config.view = copy.config.view || {};
    view.continuousWidth = (view.continuousWidth || 300) * fw;
    view.continuousHeight = (view.continuousHeight || 300) * fh;
    return copy;
  }

  function compiled(spec) { return vega.parse(vegaLite.compile(spec).spec); }

  function measure(spec) {
    var view = new vega.View(compiled(spec), {renderer: 'none'});
    return view.toSVG().then(function (svg) {
      view.finalize();
      var m = /width="([\d.]+)" height="([\d.]+)"/.exec(svg);
      return [parseFloat(m[1]), parseFloat(m[2])];
    });
  }

  // Finds the factors that make the drawing width x height: a drawing grows about
  // linearly with its panels (the secant method, from two trial drawings).
  function fitted(spec, width, height) {
    var room = [width, height], a = [1, 1], b = [2, 2], sizeA;
    function step(sizeB, round) {
      var done = Math.abs(sizeB[0] - width) < 2 && sizeB[1] <= height + 1 &&
                 (Math.abs(sizeB[1] - height) < 2 || b[1] >= 4);
      if (done || round > 5) { return resized(spec, b[0], b[1]); }
      var c = [0, 1].map(function (d) {
        var slope = (sizeB[d] - sizeA[d]) / (b[d] - a[d]);
        var f = slope > 0 ? b[d] + (room[d] - sizeB[d]) / slope : b[d];
        return Math.max(0.2, Math.min(d ? 4 : 8, f));
      });
      a = b; sizeA = sizeB; b = c;
      return measure(resized(spec, b[0], b[1])).then(function (s) { return step(s, round + 1); });
    }
    return measure(resized(spec, 1, 1)).then(function (s) {
      sizeA = s;
      return measure(resized(spec, 2, 2));
    }).then(function (s) { return step(s, 0); });
  }

  function draw(fig, width, height) {
    var spec = JSON.parse(fig.querySelector('script.course-chart-spec').textContent);
    var image = fig.querySelector('img');
    var target = document.createElement('div');
    target.className = 'course-chart-live';
    target.setAttribute('role', 'img');
    target.setAttribute('aria-label', image.alt);
    fig.insertBefore(target, image);
    return fitted(spec, width, height).then(function (spec) {
      var view = new vega.View(compiled(spec), {renderer: 'svg', container: target,
                                                hover: true});
      return view.runAsync();
    }).then(function () {
      // As on the site: the description is the chart's text alternative, the drawing's
      // own marks (some unlabelled) are hidden from assistive technology.
      target.querySelectorAll('svg').forEach(function (svg) {
        svg.setAttribute('aria-hidden', 'true');
      });
      image.hidden = true;
    }).catch(function (error) {
      target.remove();
      console.error('chart not drawn live:', error);
    }).then(function () {
      fig.style.height = '';
      fig.removeAttribute('data-live');
    });
  }

  // --- the last resort: shrink, down to the floor ----------------------------------------
  function smallestText(box) {
    var least = Infinity, walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      var e = walker.currentNode.parentElement;
      if (!walker.currentNode.textContent.trim() || !e.getClientRects().length) { continue; }
      least = Math.min(least, parseFloat(getComputedStyle(e).fontSize));
    }
    return least;
  }

  // The size of what a slide shows: as wide as its content, as tall as its blocks reach
  // (an empty wrapper's padding below the last block may use the slide's own padding).
  function extent(box) {
    var top = box.getBoundingClientRect().top, bottom = 0;
    blocks(box).forEach(function (b) {
      bottom = Math.max(bottom, b.getBoundingClientRect().bottom - top);
    });
    return [box.scrollWidth, bottom];
  }

  function shrink(slide) {
    var box = fitBox(slide), scale = 1;
    box.style.transform = ''; box.style.width = WIDTH + 'px';
    var limit = Math.min(1, FLOOR / smallestText(box));
    for (var i = 0; i < 4; i++) {
      var size = extent(box);
      var next = Math.max(limit, Math.min(1, HEIGHT / size[1], WIDTH / size[0]));
      if (Math.abs(next - scale) < 0.005) { break; }
      scale = next; box.style.width = (WIDTH / scale) + 'px';
    }
    box.style.transform = scale < 1 ? 'scale(' + scale + ')' : '';
    slide.dataset.fitScale = scale.toFixed(3);
  }

  function slides() {
    return [].slice.call(document.querySelectorAll('.reveal .slides > section > section'));
  }

  // Whatever fails in laying the deck out, the class still gets its slides.
  function laidOut(step) {
    try { return step(); } catch (error) { console.error('slide layout:', error); return []; }
  }

  reveal.classList.add('course-layout');
  var drawn = laidOut(function () {
    var figures = [].slice.call(document.querySelectorAll('figure.course-chart[data-live]'));
    figures.forEach(function (fig) { fig.style.height = fig.dataset.minHeight + 'px'; });
    slides().forEach(split);
    return figures.map(function (fig) {
      var box = fig.closest('.course-fit'), height = fig.getBoundingClientRect().height;
      var room = HEIGHT - box.getBoundingClientRect().height + height;
      return window.vega && window.vegaLite ? draw(fig, fig.clientWidth, Math.floor(room)) : null;
    });
  });
  Promise.all(drawn).then(function () {
    laidOut(function () { slides().forEach(shrink); });
  }).then(function () {
    reveal.classList.remove('course-layout');
    document.body.dataset.courseSlides = 'ready';
    Reveal.initialize({controls: true, progress: true, history: true, transition: 'none',
                       width: 1280, height: 720, margin: 0, center: false});
  });
})();
