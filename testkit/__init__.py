"""What the tests share: the test world built through the services, and the browser helpers.

Kept out of ``apps/`` so that nothing of it ships as production code.
"""
