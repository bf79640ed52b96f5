"""Daraja B2C and Transaction Status on the wire, exactly as Safaricom documents them (`responses`
stubs the network; a key pair made here stands for Safaricom's certificate, and the credential
is checked by decrypting it: PKCS#1 v1.5 padding is random, so it differs every time)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding

from app.payments.gateways import ProviderError, ProviderRejection
from app.payments.gateways.b2c import B2CGateway, paid_amount, security_credential
from app.sandbox.b2c import make_key_pair

BASE = "https://sandbox.safaricom.co.ke"
PAY = f"{BASE}/mpesa/b2c/v3/paymentrequest"
STATUS = f"{BASE}/mpesa/transactionstatus/v1/query"
RESULT, TIMEOUT = "https://shop.example.co.ke/result", "https://shop.example.co.ke/timeout"
PASSWORD = "Safaricom999!*!"


@pytest.fixture
def key_pair(tmp_path):
    """A key pair of the test's own, its certificate standing for Safaricom's."""
    certificate = make_key_pair(tmp_path)
    key = serialization.load_pem_private_key((tmp_path / "b2c-key.pem").read_bytes(), password=None)
    return key, certificate


@pytest.fixture
def b2c(daraja, key_pair):
    key, path = key_pair
    gateway = B2CGateway(
        {
            "MPESA_BASE_URL": BASE,
            "MPESA_CONSUMER_KEY": "consumer-key",
            "MPESA_CONSUMER_SECRET": "consumer-secret",
            "MPESA_B2C_SHORTCODE": "600992",
            "MPESA_INITIATOR_NAME": "testapi",
            "MPESA_INITIATOR_PASSWORD": PASSWORD,
            "MPESA_CERT_PATH": str(path),
        }
    )
    return gateway, key, daraja


def decrypt(key, credential: str) -> str:
    return key.decrypt(base64.b64decode(credential), padding.PKCS1v15()).decode()


def test_the_security_credential_decrypts_to_the_password_and_differs_each_time(key_pair):
    key, path = key_pair
    one, two = (security_credential(PASSWORD, path.read_bytes()) for _ in range(2))
    assert one != two  # random padding
    assert decrypt(key, one) == decrypt(key, two) == PASSWORD


def test_the_payment_request_is_daraja_v3s_exactly(b2c):
    gateway, key, api = b2c
    api.post(
        PAY,
        json={
            "ConversationID": "AG_20240706_20106e9209f64bebd05b",
            "OriginatorConversationID": "DUKA-abc",
            "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        },
    )
    ack = gateway.pay("DUKA-abc", "0705912645", Decimal("1500"), "Duka payout 7", RESULT, TIMEOUT)
    assert (ack.originator_id, ack.conversation_id) == ("DUKA-abc", "AG_20240706_20106e9209f64bebd05b")
    call = api.calls[-1]
    assert call.request.headers["Authorization"] == "Bearer c9SQxWWhmdVRlyh0zh8gZDTkubVF"
    assert call.request.headers["Content-Type"] == "application/json"
    sent = json.loads(call.request.body)
    credential = sent.pop("SecurityCredential")
    assert decrypt(key, credential) == PASSWORD
    assert sent == {
        "OriginatorConversationID": "DUKA-abc",
        "InitiatorName": "testapi",
        "CommandID": "BusinessPayment",
        "Amount": 1500,
        "PartyA": "600992",
        "PartyB": "254705912645",
        "Remarks": "Duka payout 7",
        "QueueTimeOutURL": TIMEOUT,
        "ResultURL": RESULT,
    }


def test_a_refused_request_is_a_rejection_and_an_unclear_answer_an_error(b2c):
    gateway, _, api = b2c
    api.post(PAY, status=400, json={"requestId": "1", "errorCode": "400.002.02", "errorMessage": "Invalid PartyB"})
    with pytest.raises(ProviderRejection) as refused:
        gateway.pay("DUKA-1", "0705912645", Decimal("100"), "Payout", RESULT, TIMEOUT)
    assert refused.value.code == "400.002.02"
    api.replace(
        "POST",
        PAY,
        status=500,
        json={"requestId": "2", "errorCode": "500.002.1001", "errorMessage": "Duplicate OriginatorConversationID."},
    )
    with pytest.raises(ProviderError, match="500.002.1001"):  # sent before: only the status query can tell
        gateway.pay("DUKA-1", "0705912645", Decimal("100"), "Payout", RESULT, TIMEOUT)
    api.replace("POST", PAY, body=requests.ConnectTimeout())
    with pytest.raises(ProviderError):
        gateway.pay("DUKA-1", "0705912645", Decimal("100"), "Payout", RESULT, TIMEOUT)


def test_the_status_query_names_the_payout_by_our_id(b2c):
    gateway, key, api = b2c
    api.post(STATUS, json={"OriginatorConversationID": "DUKA-abc", "ConversationID": "AG_1", "ResponseCode": "0"})
    gateway.ask_status("DUKA-abc", RESULT, TIMEOUT)
    sent = json.loads(api.calls[-1].request.body)
    assert decrypt(key, sent.pop("SecurityCredential")) == PASSWORD
    assert sent == {
        "Initiator": "testapi",
        "CommandID": "TransactionStatusQuery",
        "TransactionID": "",
        "OriginalConversationID": "DUKA-abc",  # the doc's name
        "OriginatorConversationID": "DUKA-abc",  # an SDK's
        "PartyA": "600992",
        "IdentifierType": "4",
        "ResultURL": RESULT,
        "QueueTimeOutURL": TIMEOUT,
        "Remarks": "Payout status",
        "Occasion": "Payout status",
    }


SUCCESS = {
    "Result": {
        "ResultType": 0,
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "OriginatorConversationID": "53e3-4aa8-9fe0-8fb5e4092cdd3533373",
        "ConversationID": "AG_20240706_2010364430d9bbdaf872",
        "TransactionID": "SG632NMUAB",
        "ResultParameters": {
            "ResultParameter": [
                {"Key": "TransactionAmount", "Value": 10},
                {"Key": "TransactionReceipt", "Value": "SG632NMUAB"},
                {"Key": "ReceiverPartyPublicName", "Value": "254705912645 - NICHOLAS JOHN SONGOK"},
                {"Key": "TransactionCompletedDateTime", "Value": "06.07.2024 22:48:52"},
                {"Key": "B2CUtilityAccountAvailableFunds", "Value": 8959269.60},
                {"Key": "B2CWorkingAccountAvailableFunds", "Value": 1199371.00},
                {"Key": "B2CRecipientIsRegisteredCustomer", "Value": "Y"},
                {"Key": "B2CChargesPaidAccountAvailableFunds", "Value": -1980.00},
            ]
        },
        "ReferenceData": {
            "ReferenceItem": {"Key": "QueueTimeoutURL", "Value": "https://internalsandbox.safaricom.co.ke"}
        },
    }
}


def test_a_result_is_read_by_key_in_any_order():
    shuffled = json.loads(json.dumps(SUCCESS))
    shuffled["Result"]["ResultParameters"]["ResultParameter"].reverse()  # an older capture's order
    for body in (SUCCESS, shuffled):
        result = B2CGateway.parse_result(body)
        assert result.succeeded and result.final
        assert result.parameters["TransactionReceipt"] == "SG632NMUAB"
        assert result.parameters["ReceiverPartyPublicName"].endswith("SONGOK")
        assert paid_amount(result) == Decimal("10.00")


@pytest.mark.parametrize(
    "code,setup",
    [(2001, True), ("2001", True), (8006, True), (1, True), (2040, False), ("SFC_IC0003", False), (8, False)],
)
def test_a_failure_carries_no_parameters_and_says_whose_it_is(code, setup):
    body = {
        "Result": {
            "ResultType": 0,
            "ResultCode": code,
            "ResultDesc": "The initiator information is invalid.",
            "OriginatorConversationID": "53e3-4aa8-9fe0-8fb5e4092cdd3544366",
            "ConversationID": "AG_20240707_201062f6f6f5804f7a33",
            "TransactionID": "SG722NMVXQ",
        }
    }
    result = B2CGateway.parse_result(body)
    assert not result.succeeded and result.code == str(code) and result.setup_failure is setup
    assert result.parameters == {} and paid_amount(result) is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Result": []},
        {"Result": {"ResultCode": 0}},
        {"Result": {"OriginatorConversationID": "x", "ResultCode": True}},
    ],
)
def test_what_is_no_result_is_refused(body):
    with pytest.raises(ValueError):
        B2CGateway.parse_result(body)
