"""The span tagger's layer: from a document's text to its suspect spans.

Data flows one way through its modules:

* :mod:`~mtdetect.tagger.docview`: the document as arrays (token ids, table probes), once;
* :mod:`~mtdetect.tagger.candidates`: the searches for a likelier original of each word
  (a thesaurus swap, a pair swap, another function word, a dropped word);
* :mod:`~mtdetect.tagger.token_features`: per-token evidence, as array operations;
* :mod:`~mtdetect.tagger.trees`: gradient-boosted trees stored as plain arrays;
* :mod:`~mtdetect.tagger.spans`: the :class:`Tagger`, which runs them and turns flagged tokens
  into spans that explain themselves.
"""

from mtdetect.tagger.spans import Tagger, TaggerModel, TokenOutputs, load_tagger

__all__ = ["Tagger", "TaggerModel", "TokenOutputs", "load_tagger"]
