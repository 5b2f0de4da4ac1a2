"""Small ``ModalScreen[T]`` dialogs that ``dismiss(result)``."""
