"""Dialogs that are not record forms: history, settings, …"""
