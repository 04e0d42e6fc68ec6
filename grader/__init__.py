"""nnkata's trusted side: the checks, their two runners, the sandbox and the command line.

Keep this file free of imports: the sandboxed worker imports a few NumPy-only modules of this
package (``calling``, ``files``, ``transport``, ``worker``) where PyTorch is not importable.
"""
