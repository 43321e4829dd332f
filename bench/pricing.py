"""Public AWS list prices (us-east-1) and the assumptions the cost model adds to measurements.

Each price carries its source and the date since which it applies, so docs/performance.md can
print them next to the result. Re-check the pages before budgeting: prices change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    name: str
    dollars: float
    per: str
    source: str
    since: str


LAMBDA_GB_SECOND = Price(
    "Lambda duration (x86)",
    0.0000166667,
    "GB-second",
    "https://aws.amazon.com/lambda/pricing/",
    "Dec 2020 (1 ms billing); init phase billed like duration since 1 Aug 2025",
)
LAMBDA_REQUEST = Price(
    "Lambda requests",
    0.20 / 1e6,
    "request",
    "https://aws.amazon.com/lambda/pricing/",
    "long-standing list price (free tier ignored)",
)
API_GATEWAY_REST = Price(
    "API Gateway REST API",
    3.50 / 1e6,
    "request (first 333 million a month)",
    "https://aws.amazon.com/api-gateway/pricing/",
    "long-standing list price (free tier ignored)",
)
DYNAMODB_WRITE = Price(
    "DynamoDB on-demand write request unit",
    0.625 / 1e6,
    "WRU",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "1 Nov 2024 (the 50 % on-demand price cut)",
)
DYNAMODB_READ = Price(
    "DynamoDB on-demand read request unit",
    0.125 / 1e6,
    "RRU",
    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    "1 Nov 2024 (the 50 % on-demand price cut)",
)
SES_MAIL = Price(
    "SES outbound mail",
    0.10 / 1000,
    "mail",
    "https://aws.amazon.com/ses/pricing/",
    "long-standing list price (free tier ignored)",
)
SNS_PUBLISH = Price(
    "SNS standard topic publish (SES's feedback: one per notification; delivery to Lambda free)",
    0.50 / 1e6,
    "request",
    "https://aws.amazon.com/sns/pricing/",
    "long-standing list price (free tier ignored)",
)
COGNITO_ESSENTIALS = Price(
    "Amazon Cognito user pools, Essentials tier",
    0.015,
    "MAU above the 10,000 free each month",
    "https://aws.amazon.com/cognito/pricing/",
    "22 Nov 2024 (the Lite/Essentials/Plus tiers)",
)
PRICES = (
    LAMBDA_GB_SECOND,
    LAMBDA_REQUEST,
    API_GATEWAY_REST,
    DYNAMODB_WRITE,
    DYNAMODB_READ,
    SES_MAIL,
    SNS_PUBLISH,
    COGNITO_ESSENTIALS,
)

# A Lambda function gets one full vCPU at 1,769 MB and a proportional share below that
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): CPU-bound time
# measured on one core here is scaled by 1769 / memory.
FULL_VCPU_MB = 1769

# Assumed, not measured (measuring needs an AWS account): typical in-region latency of one call,
# which Lambda bills as duration while the function waits. The cost is insensitive to them: at
# 1 GB, 10 ms more per request is $0.00017 per 1,000 requests.
ASSUMED_LATENCY_MS = {
    "dynamodb:GetItem": 4.0,
    "dynamodb:PutItem": 5.0,
    "dynamodb:UpdateItem": 5.0,
    "dynamodb:DeleteItem": 5.0,
    "dynamodb:Query": 4.0,
    "dynamodb:BatchGetItem": 5.0,
    "dynamodb:TransactWriteItems": 12.0,
    "ses:SendEmail": 40.0,
    "ssm:GetParameter": 15.0,
}
DEFAULT_LATENCY_MS = 10.0
# The breached-password range GET (R-ABUSE-2): a new HTTPS connection to the range API's CDN and a
# ~35 KB answer, assumed (the bench serves it on loopback, so it cannot measure the real one).
RANGE_GET_LATENCY_MS = 50.0
