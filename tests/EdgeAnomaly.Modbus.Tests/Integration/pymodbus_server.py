#!/usr/bin/python3
"""A real pymodbus (3.0) server for the Modbus master's integration tests.

Serves one register image over Modbus TCP, RTU over TCP, and (optionally) RTU on a serial device such as one end
of a socat pty pair. The image comes from a JSON file written by the test:

  {"units": {"1": {"holding": [...], "input": [...], "coils": [...], "discretes": [...]}, ...},
   "typed": [{"unit": 1, "address": 200, "type": "float32", "order": "CDAB", "value": "123.456"}, ...]}

Typed values are encoded here with struct.pack into the holding registers, so what the test expects does not
depend on the master's own codec. Addresses are 0-based (zero_mode=True). Units not in the image get no answer
(ignore_missing_slaves), so a test can provoke a timeout. Prints "ready tcp=PORT rtutcp=PORT" when serving.
"""
import argparse
import asyncio
import json
import logging
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

FORMATS = {
    "int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I",
    "int64": ">q", "uint64": ">Q", "float32": ">f", "float64": ">d",
}
# Which byte of the big-endian value (A = most significant) goes to each position on the wire.
WIRE = {
    2: {"ABCD": "AB", "CDAB": "AB", "BADC": "BA", "DCBA": "BA"},
    4: {"ABCD": "ABCD", "CDAB": "CDAB", "BADC": "BADC", "DCBA": "DCBA"},
    8: {"ABCD": "ABCDEFGH", "CDAB": "GHEFCDAB", "BADC": "BADCFEHG", "DCBA": "HGFEDCBA"},
}


def words(raw):
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


def encode(kind, order, value, registers):
    if kind == "string":
        raw = value.encode("ascii").ljust(2 * registers, b"\0")
        if order in ("BADC", "DCBA"):
            raw = b"".join(raw[i + 1:i + 2] + raw[i:i + 1] for i in range(0, len(raw), 2))
        return words(raw)
    number = float(value) if kind.startswith("float") else int(value)
    big = struct.pack(FORMATS[kind], number)
    return words(bytes(big[ord(c) - ord("A")] for c in WIRE[len(big)][order]))


def load(path):
    with open(path, encoding="ascii") as f:
        image = json.load(f)
    holding = {}
    slaves = {}
    for unit, tables in image["units"].items():
        holding[int(unit)] = list(tables["holding"])
    for item in image.get("typed", []):
        regs = encode(item["type"], item["order"], item["value"], item.get("registers", 0))
        table = holding[item["unit"]]
        table[item["address"]:item["address"] + len(regs)] = regs
    for unit, tables in image["units"].items():
        slaves[int(unit)] = ModbusSlaveContext(
            hr=ModbusSequentialDataBlock(0, holding[int(unit)]),
            ir=ModbusSequentialDataBlock(0, list(tables["input"])),
            co=ModbusSequentialDataBlock(0, [bool(b) for b in tables["coils"]]),
            di=ModbusSequentialDataBlock(0, [bool(b) for b in tables["discretes"]]),
            zero_mode=True,
        )
    return ModbusServerContext(slaves=slaves, single=False)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", required=True)
    parser.add_argument("--serial", help="serial device for RTU (e.g. one end of a socat pty pair)")
    parser.add_argument("--baud", type=int, default=19200)
    parser.add_argument("--debug", action="store_true", help="pymodbus debug log on stderr")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL, stream=sys.stderr, force=True)

    context = load(args.image)
    common = {"defer_start": True, "ignore_missing_slaves": True}
    tcp = await StartAsyncTcpServer(context=context, address=("127.0.0.1", 0), framer=ModbusSocketFramer, **common)
    rtu_tcp = await StartAsyncTcpServer(context=context, address=("127.0.0.1", 0), framer=ModbusRtuFramer, **common)
    tasks = [asyncio.create_task(tcp.serve_forever()), asyncio.create_task(rtu_tcp.serve_forever())]
    await asyncio.wait_for(asyncio.gather(tcp.serving, rtu_tcp.serving), 20)
    if args.serial:
        # Parity "N": a pty has no line framing, and pyserial's reconfigure of a pty with PARENB fails (EINVAL).
        serial = await StartAsyncSerialServer(
            context=context, framer=ModbusRtuFramer, port=args.serial, baudrate=args.baud, parity="N",
            stopbits=1, bytesize=8, broadcast_enable=True, auto_reconnect=True, reconnect_delay=0.2, **common)
        await serial.start()
        tasks.append(asyncio.create_task(serial.serve_forever()))
    tcp_port = tcp.server.sockets[0].getsockname()[1]
    rtu_tcp_port = rtu_tcp.server.sockets[0].getsockname()[1]
    print(f"ready tcp={tcp_port} rtutcp={rtu_tcp_port}", flush=True)
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main())
