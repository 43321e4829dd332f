// Pages without behaviour of their own (e.g. "Nuevo Registro"): only mark the page as ready.
document.body.dataset.ready = "true";
