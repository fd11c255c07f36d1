"""Training parameters: a form with defaults and tooltips that builds the core's configs."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from audioclf.checkpoint import MODEL_SUFFIX
from audioclf.config import FeatureConfig, ModelConfig, TrainConfig
from audioclf.device import available_devices

# Model size presets: (ModelConfig, mel bands). Small trains in seconds on a CPU; large
# wants a GPU or patience.
PRESETS: dict[str, tuple[ModelConfig, int]] = {
    "small": (ModelConfig(conv_channels=(8, 16), hidden_size=32), 32),
    "medium": (ModelConfig(), 64),  # the core's defaults
    "large": (ModelConfig(conv_channels=(32, 64, 64), hidden_size=128, num_layers=2,
                          dropout=0.2), 64),
}
PRESET_TIPS = {
    "small": "Two narrow conv blocks, 32 LSTM units, 32 mel bands: seconds per epoch on a CPU",
    "medium": "Conv 16-32, 64 LSTM units, 64 mel bands: the default",
    "large": "Conv 32-64-64, two LSTM layers of 128 units: for big datasets, best on a GPU",
}
_T = TrainConfig()  # the core's defaults, shown as the form's defaults


class TrainParams(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        self.epochs = QSpinBox(minimum=1, maximum=1000, value=_T.epochs)
        self.epochs.setToolTip("Most passes over the training clips; training stops earlier "
                               f"when validation accuracy has not improved for {_T.patience} "
                               "epochs")
        self.batch = QSpinBox(minimum=1, maximum=1024, value=_T.batch_size)
        self.batch.setToolTip("Clips per training step. Smaller for small datasets or little "
                              "memory; larger trains faster on a GPU")
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-3,
                                 value=_T.lr)
        self.lr.setToolTip("Peak learning rate of the one-cycle schedule (AdamW). Lower it if "
                           "the loss jumps around")
        self.val = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.5, singleStep=0.05,
                                  value=_T.val_fraction)
        self.val.setToolTip("Share of each class held out to measure accuracy (stratified). "
                            "The best model by validation accuracy is kept")
        self.augment = QCheckBox("Augment training clips")
        self.augment.setChecked(_T.augment)
        self.augment.setToolTip("Random speed, pitch-like warp, gain, background noise and "
                                "masks on every training clip: better generalisation")
        self.size = QComboBox()
        for name in PRESETS:
            self.size.addItem(name, name)
            self.size.setItemData(self.size.count() - 1, PRESET_TIPS[name], 3)  # ToolTipRole
        self.size.setCurrentIndex(1)
        self.size.setToolTip("Model size preset (Conv2d blocks + LSTM)")
        self.device = QComboBox()
        self.device.addItem("Auto", "auto")
        for name in ("cpu", "cuda"):
            self.device.addItem(name.upper(), name)
            if name not in available_devices():
                self.device.model().item(self.device.count() - 1).setEnabled(False)
        self.device.setToolTip("Where to train: Auto picks a CUDA GPU when present, else the CPU")
        self.out = QLineEdit()
        self.out.setToolTip("Model file to write; the best model so far is saved here "
                            "whenever validation accuracy improves")
        browse = QPushButton("…")
        browse.setToolTip("Choose the model file")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.setContentsMargins(0, 0, 0, 0)
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.lr)
        form.addRow("Validation fraction", self.val)
        form.addRow("", self.augment)
        form.addRow("Model size", self.size)
        form.addRow("Device", self.device)
        form.addRow("Output file", out_row)
        self.out.textChanged.connect(self.changed)
        self.sample_rate = 16000  # set from the dataset check (Hz)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Model file", self.out.text(),
                                              f"audioclf models (*{MODEL_SUFFIX})")
        if path:
            self.out.setText(path if path.endswith(MODEL_SUFFIX) else path + MODEL_SUFFIX)

    def set_values(self, **kw: object) -> None:
        """Set fields by name (epochs, batch, lr, val, augment, size, device, out)."""
        for name, v in kw.items():
            w = getattr(self, name)
            if isinstance(w, QComboBox):
                w.setCurrentIndex(w.findData(v))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, QLineEdit):
                w.setText(str(v))
            else:
                w.setValue(v)  # type: ignore[union-attr]

    def configs(self) -> tuple[TrainConfig, FeatureConfig, ModelConfig]:
        mcfg, n_mels = PRESETS[self.size.currentData()]
        tcfg = TrainConfig(epochs=self.epochs.value(), batch_size=self.batch.value(),
                           lr=self.lr.value(), val_fraction=self.val.value(),
                           augment=self.augment.isChecked(), device=self.device.currentData())
        return tcfg, FeatureConfig.for_sample_rate(self.sample_rate, n_mels=n_mels), mcfg

    def out_path(self) -> str:
        return self.out.text().strip()
