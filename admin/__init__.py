"""`ecuapass-admin`: the help desk's command line (R-ADM-1 … R-ADM-3).

Not part of the Lambda package (chalice bundles app.py and chalicelib/ only): it is installed
with the project (`pip install .`, `make run`, `make test`) and runs with the operator's own AWS
credentials, over the same domain and store modules as the API.
"""
