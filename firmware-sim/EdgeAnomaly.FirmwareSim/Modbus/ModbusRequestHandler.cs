using System.Buffers.Binary;

namespace EdgeAnomaly.FirmwareSim.Modbus;

/// <summary>
/// Executes one request PDU (function code + data, no address, no CRC, no MBAP header) against a unit and writes
/// the response PDU. Pure apart from the data space; no allocation. Checks follow the order of the Modbus
/// specification's state diagrams: function (01), then quantity and framing (03), then address (02), then execution.
/// </summary>
public static class ModbusRequestHandler
{
    /// <summary>
    /// Handles <paramref name="request"/>; <paramref name="response"/> must hold <see cref="ModbusFunction.MaxPduLength"/>
    /// bytes. Returns the response length, or 0 when the request is empty (nothing sensible to answer).
    /// </summary>
    public static int Handle(ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response)
    {
        if (request.IsEmpty)
        {
            return 0;
        }
        var function = request[0];
        int length;
        ModbusExceptionCode code;
        switch (function)
        {
            case ModbusFunction.ReadCoils:
                code = ReadBits(ModbusTable.Coils, request, space, response, out length);
                break;
            case ModbusFunction.ReadDiscreteInputs:
                code = ReadBits(ModbusTable.DiscreteInputs, request, space, response, out length);
                break;
            case ModbusFunction.ReadHoldingRegisters:
                code = ReadRegisters(ModbusTable.HoldingRegisters, request, space, response, out length);
                break;
            case ModbusFunction.ReadInputRegisters:
                code = ReadRegisters(ModbusTable.InputRegisters, request, space, response, out length);
                break;
            case ModbusFunction.WriteSingleCoil:
                code = WriteSingleCoil(request, space, response, out length);
                break;
            case ModbusFunction.WriteSingleRegister:
                code = WriteSingleRegister(request, space, response, out length);
                break;
            case ModbusFunction.WriteMultipleCoils:
                code = WriteMultipleCoils(request, space, response, out length);
                break;
            case ModbusFunction.WriteMultipleRegisters:
                code = WriteMultipleRegisters(request, space, response, out length);
                break;
            case ModbusFunction.ReportServerId:
                code = ReportServerId(request, space, response, out length);
                break;
            default:
                code = Fail(ModbusExceptionCode.IllegalFunction, out length);
                break;
        }
        return code == ModbusExceptionCode.None ? length : WriteException(function, code, response);
    }

    /// <summary>Writes an exception response (function | 0x80, code); returns its length, 2.</summary>
    public static int WriteException(byte function, ModbusExceptionCode code, Span<byte> response)
    {
        response[0] = (byte)(function | ModbusFunction.ExceptionFlag);
        response[1] = (byte)code;
        return 2;
    }

    private static ModbusExceptionCode Fail(ModbusExceptionCode code, out int length)
    {
        length = 0;
        return code;
    }

    private static bool BeyondAddressSpace(int address, int count) => address + count > 0x10000;

    private static ModbusExceptionCode ReadBits(ModbusTable table, ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response, out int length)
    {
        if (request.Length != 5)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        var address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        var count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        if (count is < 1 or > ModbusFunction.MaxReadBits)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        if (BeyondAddressSpace(address, count))
        {
            return Fail(ModbusExceptionCode.IllegalDataAddress, out length);
        }
        var bytes = (count + 7) / 8;
        var data = response.Slice(2, bytes);
        data.Clear();
        var code = space.ReadBits(table, address, count, data);
        response[0] = request[0];
        response[1] = (byte)bytes;
        length = 2 + bytes;
        return code;
    }

    private static ModbusExceptionCode ReadRegisters(ModbusTable table, ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response, out int length)
    {
        if (request.Length != 5)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        var address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        var count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        if (count is < 1 or > ModbusFunction.MaxReadRegisters)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        if (BeyondAddressSpace(address, count))
        {
            return Fail(ModbusExceptionCode.IllegalDataAddress, out length);
        }
        var bytes = count * 2;
        var code = space.ReadRegisters(table, address, count, response.Slice(2, bytes));
        response[0] = request[0];
        response[1] = (byte)bytes;
        length = 2 + bytes;
        return code;
    }

    private static ModbusExceptionCode WriteSingleCoil(ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response, out int length)
    {
        if (request.Length != 5)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        var address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        var value = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        if (value is not (0xFF00 or 0x0000))
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        ReadOnlySpan<byte> packed = [value == 0xFF00 ? (byte)1 : (byte)0];
        var code = space.WriteCoils(address, 1, packed);
        request.CopyTo(response);
        length = 5;
        return code;
    }

    private static ModbusExceptionCode WriteSingleRegister(ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response, out int length)
    {
        if (request.Length != 5)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        var address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        var code = space.WriteRegisters(address, request.Slice(3, 2));
        request.CopyTo(response);
        length = 5;
        return code;
    }

    private static ModbusExceptionCode WriteMultipleCoils(ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response, out int length)
    {
        if (request.Length < 6)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        var address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        var count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        var byteCount = request[5];
        if (count is < 1 or > ModbusFunction.MaxWriteBits || byteCount != (count + 7) / 8 || request.Length != 6 + byteCount)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        if (BeyondAddressSpace(address, count))
        {
            return Fail(ModbusExceptionCode.IllegalDataAddress, out length);
        }
        var code = space.WriteCoils(address, count, request.Slice(6, byteCount));
        request[..5].CopyTo(response);
        length = 5;
        return code;
    }

    private static ModbusExceptionCode WriteMultipleRegisters(ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response, out int length)
    {
        if (request.Length < 6)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        var address = BinaryPrimitives.ReadUInt16BigEndian(request[1..]);
        var count = BinaryPrimitives.ReadUInt16BigEndian(request[3..]);
        var byteCount = request[5];
        if (count is < 1 or > ModbusFunction.MaxWriteRegisters || byteCount != count * 2 || request.Length != 6 + byteCount)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        if (BeyondAddressSpace(address, count))
        {
            return Fail(ModbusExceptionCode.IllegalDataAddress, out length);
        }
        var code = space.WriteRegisters(address, request.Slice(6, byteCount));
        request[..5].CopyTo(response);
        length = 5;
        return code;
    }

    private static ModbusExceptionCode ReportServerId(ReadOnlySpan<byte> request, IModbusDataSpace space, Span<byte> response, out int length)
    {
        if (request.Length != 1)
        {
            return Fail(ModbusExceptionCode.IllegalDataValue, out length);
        }
        var bytes = space.WriteServerId(response[2..ModbusFunction.MaxPduLength]);
        response[0] = request[0];
        response[1] = (byte)bytes;
        length = 2 + bytes;
        return ModbusExceptionCode.None;
    }
}
