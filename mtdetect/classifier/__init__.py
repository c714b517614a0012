"""The classifier's layer: from sentences and their spans to calibrated scores.

* :mod:`~mtdetect.classifier.features`: a row of sentence features from the document view,
  the spans and the tagger's token outputs;
* :mod:`~mtdetect.classifier.style`: the neural-MT style column (hashed word n-grams);
* :mod:`~mtdetect.classifier.model`: the trained heads, their document heads and the
  combination, saved as plain arrays, and checked loading;
* :mod:`~mtdetect.classifier.scoring`: the :class:`~mtdetect.classifier.scoring.Scorer`
  interface the pipeline calls, the heuristic fallback and how a document's pieces add up.
"""
