"""Errors of the config service with their stable codes."""

from __future__ import annotations

from lastro.kit.errors import Conflict, NotFound, ValidationFailed


class NamespaceNotFound(NotFound):
    code = "SETTINGS_NAMESPACE_NOT_FOUND"
    title = "Grupo de configurações não encontrado"


class SettingsInvalid(ValidationFailed):
    code = "SETTINGS_INVALID"
    title = "Configurações inválidas"


class FlagNotFound(NotFound):
    code = "FEATURE_FLAG_NOT_FOUND"
    title = "Feature flag não encontrada"


class FlagExists(Conflict):
    code = "FEATURE_FLAG_EXISTS"
    title = "Feature flag já existe"
