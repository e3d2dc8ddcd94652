"""Correct: the text's style, predict_on_batch and a list comprehension over enumerate."""


def misclassified_indices(model, x, y):
    y_pred = model.predict_on_batch(x).argmax(axis=1)
    y_true = y.argmax(axis=1)
    return [i for i, v in enumerate(y_pred) if y_pred[i] != y_true[i]]
