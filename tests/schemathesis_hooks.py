# schemathesis hooks for tests/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).
#
# schemathesis has no serializer for the xlsx media type of the roster upload
# (POST /v1/admin/groups/{group}/roster) and would report the operation as not testable. The
# bodies it sends there: arbitrary bytes, and arbitrary bytes behind a zip signature (so the
# workbook reader sees them too). The server must answer every one with a 4xx, never a 5xx.
import schemathesis
from hypothesis import strategies as st

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

schemathesis.openapi.media_type(
    XLSX,
    st.one_of(
        st.binary(max_size=4096),
        st.binary(max_size=4096).map(lambda b: b"PK\x03\x04" + b),
    ),
)
