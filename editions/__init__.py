"""The course's editions, built from the notebooks in ``notebooks/`` (the instructor
edition) with nbconvert's own extension points: a preprocessor per edition and templates
and static files beside them.

* :mod:`editions.student`: the student edition (files, the git branch ``student``, and the
  student's own copy ``my-course``);
* :mod:`editions.site`: the static HTML site; :mod:`editions.slides`: the slide decks;
* :mod:`editions.guide`: the instructor guide and the exercises' sealed rubrics;
* :mod:`editions.lite`: the browser edition (JupyterLite);
* :mod:`editions.notebooks`: what they all read of a notebook (metadata and cell tags).

``python -m editions KIND`` (see :mod:`editions.build`) and ``python -m editions.lite``
build them; ``python3 course.py student|site|slides|guide|lite`` call these.
"""
