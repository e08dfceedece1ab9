"""Offline Terraform checks: a compact google provider schema and a checker for parsed HCL."""
