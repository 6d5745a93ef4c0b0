"""The teachers' faces: the story of one couple, the app and its views.

Their teaching texts (notes, things to try, explanations) are data files in
``sim/teach/texts/``, read by :mod:`sim.teach.texts`.
"""
