"""Every object a TorchScript archive pickles must be of the class its code declares there:
torch reads a smaller object's slots past their end (review, stop 35)."""

import re
import struct
import zipfile
from pathlib import Path

import pytest
import torch
from torch import nn

from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.scan import scan_file
from trojanscope.scan.torchscript_code import archive_problems
from trojanscope.scan.torchscript_types import declarations, object_problems

BIG = (
    "class Big(Module):\n  training : bool\n"
    + "".join(f"  f{i} : int\n" for i in range(64))
    + ("  def forward(self: __torch__.Big,\n    x: Tensor) -> Tensor:\n    return x\n")
)


class _Small(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class _Top(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.sub = _Small()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.sub.a


def _u(text: str) -> bytes:
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def _obj(cls: str, attrs: bytes) -> bytes:
    module, _, name = cls.rpartition(".")
    return f"c{module}\n{name}\n".encode() + b")\x81}(" + attrs + b"ub"


def test_an_attribute_of_a_smaller_class_than_declared_is_refused(tmp_path: Path) -> None:
    # the review's recipe: data.pkl holds a _Small where the code declares a 64-slot Big and
    # reads its slot 60 (a crash on forward, or at load through __setstate__)
    path = tmp_path / "top.pt"
    torch.jit.script(_Top()).save(str(path))
    out = tmp_path / "attr_type.pt"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        root = zin.namelist()[0].split("/")[0]
        zout.writestr(f"{root}/code/__torch__.py", BIG)
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(".py") and b"class _Top" in data:
                text = re.sub(
                    r"sub : __torch__\.[\w.]+\._Small", "sub : __torch__.Big", data.decode()
                )
                data = text.replace("a = sub.a", "a = sub.f60").encode()
            if not info.filename.endswith(".debug_pkl"):
                zout.writestr(info, data)
    with out.open("rb") as fh:
        problems = archive_problems(fh)
    assert any("declares __torch__.Big" in p for _, p in problems), problems
    with pytest.raises(UserInputError, match=r"declares __torch__\.Big"):
        load_model(out)
    _, ctx = scan_file(out)
    assert any(
        f.rule_id == "TS208" and "holds" in str(f.evidence.get("problem")) for f in ctx.findings
    )


SMALL = (
    "class Small(Module):\n  training : bool\n  a : int\n"
    "  def forward(self: __torch__.Small, x: Tensor) -> Tensor:\n    return x\n"
)


def _decls(extra: str = "") -> dict:
    return declarations({"m/code/__torch__.py": BIG + SMALL + extra})


def test_setstate_state_and_tagged_lists_are_matched() -> None:
    small = _obj("__torch__.Small", _u("training") + b"\x88" + _u("a") + b"K\x01")
    onload = (
        "class OnLoad(Module):\n  training : bool\n  keep : List[__torch__.Big]\n"
        "  def __setstate__(self: __torch__.OnLoad,\n"
        "    state: Tuple[List[__torch__.Big], bool]) -> NoneType:\n    return None\n"
    )
    state = b"(]" + small + b"a\x88t"  # ([Small], True)
    pkl = b"\x80\x02c__torch__\nOnLoad\n)\x81" + state + b"b."
    got = object_problems(pkl, _decls(onload))
    assert got and "__setstate__" in got[0], got
    # the same list restored as List[__torch__.Big] and kept in an Any attribute
    holder = "class Holder(Module):\n  training : bool\n  anything : Any\n"
    tagged = (
        b"ctorch.jit._pickle\nrestore_type_tag\n(]"
        + small
        + b"a"
        + _u("List[__torch__.Big]")
        + b"tR"
    )
    pkl = (
        b"\x80\x02"
        + _obj("__torch__.Holder", _u("training") + b"\x88" + _u("anything") + tagged)
        + b"."
    )
    assert any("anything" in p for p in object_problems(pkl, _decls(holder)))
    # an Any attribute holding the object itself is fine (torch checks a refinement)
    pkl = (
        b"\x80\x02"
        + _obj("__torch__.Holder", _u("training") + b"\x88" + _u("anything") + small)
        + b"."
    )
    assert object_problems(pkl, _decls(holder)) == []


def test_a_number_used_as_a_class_is_refused() -> None:
    # torch's BUILD calls globals_[n] for any int n on the stack, not only a GLOBAL's
    pkl = b"\x80\x02c__torch__\nSmall\n0K\x00}(" + _u("a") + b"K\x01ub."
    assert "cannot replay" in object_problems(pkl, _decls())[0]


def test_ordinary_containers_of_modules_pass(tmp_path: Path) -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
            self.heads = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
            self.maybe: nn.Module | None = None
            self.names: list[str] = ["x", "y"]
            self.table: dict[str, torch.Tensor] = {"w": torch.ones(2)}

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x) + self.table["w"]

    path = tmp_path / "net.pt"
    torch.jit.script(Net()).save(str(path))
    with path.open("rb") as fh:
        assert archive_problems(fh) == []
    assert load_model(path).format == "torchscript"


def test_only_the_code_torch_reads_declares_classes() -> None:
    # review round 5: a copy of the code elsewhere in the archive overrode the declarations
    # torch reads (`zz/code/…`, `top\\code\\…`, `top/zz/code/…`)
    decoy = "class Big(Module):\n  training : bool\n  f60 : Any\n"
    code = {"top/code/__torch__.py": BIG, "top/zz/code/__torch__.py": decoy}
    assert len(declarations(code, "top")["__torch__.Big"].attributes) == 65
    assert declarations(code, "top")["__torch__.Big"].attributes["f60"].id == "int"


def test_members_outside_the_archive_folder_or_with_backslashes_are_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.pt"
    torch.jit.script(_Small()).save(str(path))
    for extra in ("zz/code/__torch__.py", "{root}\\code\\__torch__.py"):
        out = tmp_path / "decoy.pt"
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
            root = zin.namelist()[0].split("/")[0]
            for info in zin.infolist():
                zout.writestr(info, zin.read(info))
            zout.writestr(extra.format(root=root), "class Big(Module):\n  training : bool\n")
        with out.open("rb") as fh:
            problems = [p for _, p in archive_problems(fh)]
        assert any("outside the archive" in p or "backslash" in p for p in problems), problems
    with path.open("rb") as fh:
        assert archive_problems(fh) == []


def _setstate_holder(getstate: bool) -> str:
    return (
        "class Holder(Module):\n  training : bool\n  sub : __torch__.Big\n"
        + (
            "  def __getstate__(self: __torch__.Holder) -> Dict[str, Any]:\n    return {}\n"
            if getstate
            else ""
        )
        + "  def __setstate__(self: __torch__.Holder,\n"
        "    state: Dict[str, Any]) -> NoneType:\n    return None\n"
    )


def test_setstate_without_getstate_is_checked_as_attributes() -> None:
    # torch runs __setstate__ only beside __getstate__; otherwise it fills the slots from the
    # state by name, so `sub` holding a Small where Big is declared reads past its slots
    small = _obj("__torch__.Small", _u("training") + b"\x88" + _u("a") + b"K\x01")
    state = (  # the dict torch's pickler writes, tagged with its type
        b"ctorch.jit._pickle\nrestore_type_tag\n(}("
        + _u("training")
        + b"\x88"
        + _u("sub")
        + small
        + b"u"
        + _u("Dict[str, Any]")
        + b"tR"
    )
    pkl = b"\x80\x02c__torch__\nHolder\n)\x81" + state + b"b."
    got = object_problems(pkl, _decls(_setstate_holder(getstate=False)))
    assert any("declares __torch__.Big" in p for p in got), got
    assert object_problems(pkl, _decls(_setstate_holder(getstate=True))) == []


def test_a_type_tag_python_cannot_parse_is_refused() -> None:
    # torch's type parser reads " List[__torch__.Big]" (a leading space); ast does not
    holder = "class Holder(Module):\n  training : bool\n  anything : Any\n"
    small = _obj("__torch__.Small", _u("training") + b"\x88" + _u("a") + b"K\x01")
    tagged = (
        b"ctorch.jit._pickle\nrestore_type_tag\n(]"
        + small
        + b"a"
        + _u(" List[__torch__.Big]")
        + b"tR"
    )
    pkl = (
        b"\x80\x02"
        + _obj("__torch__.Holder", _u("training") + b"\x88" + _u("anything") + tagged)
        + b"."
    )
    assert "cannot read" in object_problems(pkl, _decls(holder))[0]


@pytest.mark.parametrize(
    ("prefix", "decoy"),
    [
        ("top", "top/code/__torch__.m.py"),  # torch reads module m only from __torch__/m.py
        ("top", "top/code/__torch__//m.py"),
        ("\u0130", "\u0130/code/X__torch__/m.py"),  # "İ".lower() is two characters long
    ],
)
def test_other_spellings_of_a_module_path_declare_nothing(prefix: str, decoy: str) -> None:
    # review round 6: a second file name mapping to the same module replaced the declarations
    big = BIG.replace("__torch__.Big", "__torch__.m.Big")
    code = {
        f"{prefix}/code/__torch__/m.py": big,
        decoy: "class Big(Module):\n  training : bool\n  f60 : Any\n",
    }
    decls = declarations(code, prefix)
    assert ast_name(decls["__torch__.m.Big"].attributes["f60"]) == "int"


def ast_name(node: object) -> str:
    return getattr(node, "id", "")


def test_a_non_ascii_archive_folder_still_declares_its_classes(tmp_path: Path) -> None:
    # torch names the archive's folder after the file: "İnet.pt" was refused as undefined classes
    path = tmp_path / "\u0130net.pt"
    torch.jit.script(_Top()).save(str(path))
    with path.open("rb") as fh:
        assert archive_problems(fh) == []


SMALL_OBJ = _obj("__torch__.Small", _u("training") + b"\x88" + _u("a") + b"K\x01")


def test_a_keyword_only_setstate_state_is_still_matched() -> None:
    # review round 7: `def __setstate__(self, *, state: …)` hid the state's type from the check
    onload = (
        "class OnLoad(Module):\n  training : bool\n  keep : List[__torch__.Small]\n"
        "  def __getstate__(self: __torch__.OnLoad) -> Tuple[List[__torch__.Big], bool]:\n"
        "    return ([], True)\n"
        "  def __setstate__(self: __torch__.OnLoad, *,\n"
        "    state: Tuple[List[__torch__.Big], bool]) -> NoneType:\n    return None\n"
    )
    pkl = b"\x80\x02c__torch__\nOnLoad\n)\x81(]" + SMALL_OBJ + b"a\x88tb."
    got = object_problems(pkl, _decls(onload))
    assert got and "__setstate__" in got[0], got


def test_a_namedtuple_field_with_a_value_still_counts() -> None:
    # torch counts `a : None = NoneType` as a field: the check read (5, Small) as (b, c)
    nt = (
        "class NT(NamedTuple):\n  a : None = NoneType\n  b : __torch__.Big\n"
        "  c : __torch__.Small\n"
        "class Holder(Module):\n  training : bool\n  nt : __torch__.NT\n"
    )
    attrs = _u("training") + b"\x88" + _u("nt") + b"K\x05" + SMALL_OBJ + b"\x86"
    pkl = b"\x80\x02" + _obj("__torch__.Holder", attrs) + b"."
    assert any("nt" in p for p in object_problems(pkl, _decls(nt)))


def test_one_container_at_two_places_of_different_types_is_refused() -> None:
    # one memoized list held as List[Small] and List[Big]: what forward appends to one, the
    # other reads as a Big (round 7: a SIGSEGV); the same list at two List[Small] places is fine
    holder = (
        "class Holder(Module):\n  training : bool\n  a : List[__torch__.Small]\n"
        "  b : List[__torch__.{other}]\n"
    )
    tagged = b"ctorch.jit._pickle\nrestore_type_tag\n(]" + _u("List[__torch__.Small]") + b"tR"
    attrs = _u("training") + b"\x88" + _u("a") + tagged + b"q\x0a" + _u("b") + b"h\x0a"
    pkl = b"\x80\x02" + _obj("__torch__.Holder", attrs) + b"."
    assert any("Holder.b" in p for p in object_problems(pkl, _decls(holder.format(other="Big"))))
    assert object_problems(pkl, _decls(holder.format(other="Small"))) == []


def test_a_tuple_of_the_wrong_length_is_refused() -> None:
    holder = "class Holder(Module):\n  training : bool\n  t : Tuple[int, int, int]\n"
    attrs = _u("training") + b"\x88" + _u("t") + b"K\x01K\x02\x86"
    pkl = b"\x80\x02" + _obj("__torch__.Holder", attrs) + b"."
    assert object_problems(pkl, _decls(holder))


def test_a_container_tagged_other_than_declared_is_refused() -> None:
    # review round 8: an empty list tagged List[Small] (or untagged) where List[Big] is declared;
    # torch keeps the tag, so an `Any` view passes `isinstance(a, List[Small])`, appends a Small,
    # and the typed place reads it as a Big
    holder = "class Holder(Module):\n  training : bool\n  b : List[__torch__.Big]\n"
    for tag in (b"List[__torch__.Small]", None):
        empty = (
            b"]"
            if tag is None
            else (b"ctorch.jit._pickle\nrestore_type_tag\n(]" + _u(tag.decode()) + b"tR")
        )
        attrs = _u("training") + b"\x88" + _u("b") + empty
        pkl = b"\x80\x02" + _obj("__torch__.Holder", attrs) + b"."
        assert any("Holder.b" in p for p in object_problems(pkl, _decls(holder))), tag
    good = b"ctorch.jit._pickle\nrestore_type_tag\n(]" + _u("List[__torch__.Big]") + b"tR"
    attrs = _u("training") + b"\x88" + _u("b") + good
    assert (
        object_problems(b"\x80\x02" + _obj("__torch__.Holder", attrs) + b".", _decls(holder)) == []
    )


@torch.jit.interface
class _ActInterface(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass


@torch.jit.interface
class _OpInterface:
    def run(self, x: torch.Tensor) -> torch.Tensor:
        pass


@torch.jit.script
class _Double:
    def __init__(self) -> None:
        self.k = 2

    def run(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.k


class _Relu(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


class _Swappable(nn.Module):
    act: _ActInterface
    op: _OpInterface

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.act = _Relu()
        self.op = _Double()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op.run(self.act.forward(self.fc(x)))


def test_places_typed_by_an_interface_load(tmp_path: Path) -> None:
    # stop 37: refused as "holds _Relu where the code declares _ActInterface" before (a false
    # refusal kept on the safe side); a module and a scripted class filling interface slots
    path = tmp_path / "swappable.pt"
    model = torch.jit.script(_Swappable())
    model.save(str(path))
    with path.open("rb") as fh:
        assert archive_problems(fh) == []
    x = torch.randn(2, 4)
    assert torch.equal(load_model(path).module(x), model(x))


IFACE = "class Getter(ModuleInterface):\n  def fetch(self) -> __torch__.Big:\n    pass\n"
IMPL = (
    "class {name}({base}):\n  training : bool\n  s : __torch__.Small\n"
    "  def fetch(self: __torch__.{name}{params}) -> __torch__.{returns}:\n    return self.s\n"
)


@pytest.mark.parametrize(
    ("impl", "ok"),
    [
        ({"returns": "Big"}, True),
        ({"returns": "Small"}, False),  # read by the caller as a Big: past its slots
        ({"returns": "Big", "params": ", k: int"}, False),  # another signature
        ({"returns": "Big", "base": ""}, False),  # a class where only modules implement it
        ({"returns": "Big", "extra": "  def fetch(self) -> __torch__.Big:\n    pass\n"}, False),
        ({"returns": "Big", "name": "Other"}, False),  # no fetch at all on Impl
    ],
)
def test_an_interface_place_takes_only_a_class_with_its_exact_methods(impl: dict, ok: bool) -> None:
    # an interface must not be a way around the type check: torch fills the slot unchecked and
    # a call through it reads the method's result by the interface's return type (a recipe:
    # `fetch` returning a 2-slot Small read as a 64-slot Big gives "IValue is not a Scalar")
    fields = {"name": "Impl", "base": "Module", "params": "", "extra": ""} | impl
    code = IFACE + IMPL.format(**fields) + fields["extra"]
    if fields["name"] != "Impl":  # an Impl without fetch, beside the class that has it
        code += "class Impl(Module):\n  training : bool\n  s : __torch__.Small\n"
    holder = "class Holder(Module):\n  training : bool\n  g : __torch__.Getter\n"
    impl_obj = _obj("__torch__.Impl", _u("training") + b"\x88" + _u("s") + SMALL_OBJ)
    pkl = b"\x80\x02" + _obj("__torch__.Holder", _u("training") + b"\x88" + _u("g") + impl_obj)
    got = object_problems(pkl + b".", _decls(code + holder))
    assert (got == []) is ok, got


def test_extra_files_are_bytes_torch_never_compiles(tmp_path: Path) -> None:
    # stop 37: `_extra_files={"x.py": …}` with a comment was refused as code ("a comment")
    path = tmp_path / "extra.pt"
    extra = {"x.py": "# a comment\nimport os\n", "notes.py": "not Python (", "m.json": "{}"}
    torch.jit.save(torch.jit.script(nn.Linear(4, 2)), str(path), _extra_files=extra)
    with path.open("rb") as fh:
        assert archive_problems(fh) == []
    assert load_model(path).format == "torchscript"
    # what torch does compile is still read as code, in any letter case of `code/`
    for folder in ("code", "CODE"):
        out = tmp_path / f"comment-{folder}.pt"
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if "/code/" in info.filename and info.filename.endswith(".py"):
                    data = b"# a comment\n" + data
                zout.writestr(info.filename.replace("/code/", f"/{folder}/"), data)
        with out.open("rb") as fh:
            assert any(p == "a comment" for _, p in archive_problems(fh)), folder
