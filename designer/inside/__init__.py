"""Looking inside a CNN: the filter playground, learned filters, feature maps, predictions and why a
prediction (saliency and Grad-CAM).

    from designer.inside import FilterPlayground, LearnedFiltersView, FeatureMapsView, PredictionsView
    view.set_network(net)      # engine.Network or None; call it after every epoch, the views throttle
    view.set_dataset(ds)       # engine.Dataset or None
    view.export_png(path)      # atomic PNG write

Each view is a plain QWidget with an objectName (filterPlayground, learnedFilters, featureMaps,
predictions, whyView); InsideTab (tab.py) holds them and the pooling playground in one QTabWidget, and
UntrainedNetworkFeed (untrained_network.py) gives it the design's initial weights until a network is trained.
"""
from .feature_maps import FeatureMapsView
from .filters_view import LearnedFiltersView
from .image_grid import ImageGrid
from .playground import FILTER_PRESETS, IMAGE_PRESETS, FilterPlayground
from .predictions import PredictionsView
from .tab import InsideTab
from .untrained_network import UntrainedNetworkFeed
from .why_view import WhyView

__all__ = ["FILTER_PRESETS", "IMAGE_PRESETS", "FeatureMapsView", "FilterPlayground", "ImageGrid", "InsideTab",
           "LearnedFiltersView", "PredictionsView", "UntrainedNetworkFeed", "WhyView"]
